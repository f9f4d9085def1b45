/* CVE-2019-5736: a container process that can reach /proc/<pid>/exe of the
 * init (or of anything the runtime later runs inside the container) must
 * not be able to write through it to the host's binary. As runc does, stage
 * 0 re-executes itself from a sealed memfd copy first, so every container
 * process the stub becomes maps that copy, never nsexec/build/tsrunc-nsexec.
 * The copy costs one extra execve and about the binary's size (~40 kB) of
 * shared memory per container. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stub.h"

#define CLONED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* True when /proc/self/exe already is a memfd with all our seals. */
static int is_cloned(int exe)
{
  int seals = fcntl(exe, F_GET_SEALS);
  return seals >= 0 && (seals & CLONED_SEALS) == CLONED_SEALS;
}

void ensure_cloned_binary(char **argv)
{
  int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    die_errno("open /proc/self/exe");
  if (is_cloned(exe)) {
    close(exe);
    /* The kernel named us after the memfd ("memfd:tsrunc-ns"); ps should show the stub. */
    prctl(PR_SET_NAME, "tsrunc-nsexec", 0, 0, 0);
    return;
  }
  struct stat st;
  if (fstat(exe, &st) < 0)
    die_errno("stat /proc/self/exe");
  int mem = memfd_create("tsrunc-nsexec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mem < 0)
    die_errno("memfd_create");
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = sendfile(mem, exe, NULL, (size_t)(st.st_size - done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      die_errno("copy /proc/self/exe to memfd");
    done += n;
  }
  close(exe);
  if (fcntl(mem, F_ADD_SEALS, CLONED_SEALS) < 0)
    die_errno("seal memfd");
  fexecve(mem, argv, environ);
  die_errno("re-execute from memfd");
}
