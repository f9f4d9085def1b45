/* Plan reader: reads the binary plan (docs/plan-format.md) from the sync
 * socket into memory and checks magic, version, record types and field
 * counts. Every other file only looks records up by type. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stub.h"

#define MAX_RECORD_LEN (64u << 20)
#define ANY_FIELDS -1
#define RAW_BYTES -2

/* Number of NUL-terminated fields each record type carries. */
static const int expected_fields[R_MAX + 1] = {
  [R_END] = 0,          [R_NS_JOIN] = 2,        [R_USERNS_NEW] = 0,
  [R_NS_UNSHARE] = 1,   [R_TIMENS_OFFSET] = 3,  [R_ROOTFS] = 1,
  [R_STATE_DIR] = 1,    [R_PROPAGATION] = 1,    [R_MOUNT] = 8,
  [R_DEVICE] = 8,       [R_SYMLINK] = 2,        [R_PIVOT] = 1,
  [R_ROOT_READONLY] = 0, [R_HOSTNAME] = 1,      [R_DOMAINNAME] = 1,
  [R_SYSCTL] = 2,       [R_MASK] = 1,           [R_READONLY] = 1,
  [R_RLIMIT] = 3,       [R_OOM_SCORE_ADJ] = 1,  [R_NO_NEW_PRIVS] = 0,
  [R_CAPS] = 5,         [R_USER] = 3,           [R_GROUPS] = ANY_FIELDS,
  [R_CWD] = 1,          [R_ENV] = ANY_FIELDS,   [R_ARGS] = ANY_FIELDS,
  [R_SECCOMP] = RAW_BYTES, [R_EXEC_FIFO] = 1,   [R_SETSID] = 0,
  [R_CONSOLE] = 3,      [R_HOOKS] = 0,          [R_HOOK] = ANY_FIELDS,
  [R_SECCOMP_FLAGS] = 1,
  [R_PERSONALITY] = 1,  [R_SCHEDULER] = 7,      [R_IOPRIO] = 1,
  [R_LSM_LABEL] = 2,    [R_SECCOMP_LISTENER] = ANY_FIELDS, [R_MOUNT_IDMAP] = 3,
  [R_CGROUP_JOIN] = 2,  [R_MOUNT_READONLY] = 2,
  [R_MEMPOLICY] = ANY_FIELDS, [R_PIDFD_SOCKET] = 2,
};

static void read_full(int fd, void *buf, size_t n)
{
  unsigned char *b = buf;
  while (n > 0) {
    ssize_t got = read(fd, b, n);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      die_errno("read plan");
    if (got == 0)
      die("read plan: unexpected end of input");
    b += got;
    n -= (size_t)got;
  }
}

static uint16_t le16(const unsigned char *b) { return (uint16_t)(b[0] | b[1] << 8); }
static uint32_t le32(const unsigned char *b)
{
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* Splits a payload into its NUL-terminated fields. */
static void split_fields(struct record *r)
{
  int n = 0;
  for (uint32_t i = 0; i < r->len; i++)
    if (r->data[i] == '\0')
      n++;
  if (r->len > 0 && r->data[r->len - 1] != '\0')
    die("plan: record %u: last field is not NUL-terminated", r->type);
  int want = expected_fields[r->type];
  if (want >= 0 && n != want)
    die("plan: record %u has %d fields, want %d", r->type, n, want);
  r->nfields = n;
  r->field = calloc((size_t)n + 1, sizeof(char *));
  if (!r->field)
    die_errno("plan: allocate fields");
  uint32_t start = 0;
  for (int i = 0; i < n; i++) {
    r->field[i] = (char *)r->data + start;
    start += (uint32_t)strlen(r->field[i]) + 1;
  }
}

void plan_read(int fd, struct plan *p)
{
  unsigned char head[8];
  size_t cap = 0;

  read_full(fd, head, sizeof head);
  if (memcmp(head, "TSRP", 4) != 0)
    die("plan: bad magic");
  if (le32(head + 4) != PLAN_VERSION)
    die("plan: version %u not supported (want %d)", le32(head + 4), PLAN_VERSION);

  p->rec = NULL;
  p->n = 0;
  for (;;) {
    unsigned char rh[6];
    read_full(fd, rh, sizeof rh);
    uint16_t type = le16(rh);
    uint32_t len = le32(rh + 2);
    if (type > R_MAX)
      die("plan: unknown record type %u", type);
    if (type == R_END) {
      if (len != 0)
        die("plan: END record has length %u", len);
      return;
    }
    if (len > MAX_RECORD_LEN)
      die("plan: record %u too long (%u bytes)", type, len);
    if (p->n == cap) {
      cap = cap ? cap * 2 : 32;
      p->rec = realloc(p->rec, cap * sizeof *p->rec);
      if (!p->rec)
        die_errno("plan: allocate records");
    }
    struct record *r = &p->rec[p->n++];
    memset(r, 0, sizeof *r);
    r->type = type;
    r->len = len;
    r->data = malloc(len ? len : 1);
    if (!r->data)
      die_errno("plan: allocate record");
    read_full(fd, r->data, len);
    if (expected_fields[type] == RAW_BYTES) {
      if (len % 8 != 0)
        die("plan: record %u: length %u is not a multiple of 8", type, len);
    } else {
      split_fields(r);
    }
  }
}

const struct record *plan_next(const struct plan *p, const struct record *r, int type)
{
  size_t i = r ? (size_t)(r - p->rec) + 1 : 0;
  for (; i < p->n; i++)
    if (p->rec[i].type == type)
      return &p->rec[i];
  return NULL;
}

const struct record *plan_first(const struct plan *p, int type)
{
  return plan_next(p, NULL, type);
}

long long field_ll(const struct record *r, int i)
{
  char *end;
  errno = 0;
  long long v = strtoll(r->field[i], &end, 10);
  if (errno || end == r->field[i] || *end)
    die("plan: record %u field %d: bad number \"%s\"", r->type, i, r->field[i]);
  return v;
}

unsigned long long field_ull(const struct record *r, int i)
{
  char *end;
  errno = 0;
  unsigned long long v = strtoull(r->field[i], &end, 10);
  if (errno || end == r->field[i] || *end || r->field[i][0] == '-')
    die("plan: record %u field %d: bad number \"%s\"", r->type, i, r->field[i]);
  return v;
}
