/* HOME for the container process: like runc, when the configured environment
 * has no HOME, take the user's home directory from the container's own
 * /etc/passwd (read after pivot_root, so it is the container's file), or "/". */
#include "stub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The home field of uid's line in /etc/passwd, copied into buf; "/" when absent. */
static void passwd_home(uid_t uid, char *buf, size_t size)
{
  snprintf(buf, size, "/");
  FILE *f = fopen("/etc/passwd", "re");
  if (!f)
    return;
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    /* name:passwd:uid:gid:gecos:home:shell */
    char *field[7] = { 0 };
    char *s = line;
    int n = 0;
    for (; n < 7 && s; n++) {
      field[n] = s;
      s = strchr(s, ':');
      if (s)
        *s++ = '\0';
    }
    if (n < 6 || !field[2][0])
      continue;
    char *end;
    unsigned long id = strtoul(field[2], &end, 10);
    if (*end || id != uid)
      continue;
    if (field[5][0]) {
      field[5][strcspn(field[5], "\n")] = '\0';
      snprintf(buf, size, "%s", field[5]);
    }
    break;
  }
  fclose(f);
}

char **env_with_home(char **env)
{
  size_t n = 0;
  for (; env[n]; n++)
    if (strncmp(env[n], "HOME=", 5) == 0)
      return env;
  char home[512];
  passwd_home(getuid(), home, sizeof home);
  char **out = calloc(n + 2, sizeof *out);
  char *entry = malloc(strlen(home) + 6);
  if (!out || !entry)
    die("allocate the environment");
  memcpy(out, env, n * sizeof *out);
  sprintf(entry, "HOME=%s", home);
  out[n] = entry;
  return out;
}
