/* `tsrunc-nsexec netdev NETNS HOSTNAME NAME [HOSTNAME NAME]...`: moves host
 * network interfaces into the network namespace at NETNS (linux.netDevices,
 * config-linux.md "Network Devices"), as runc does from its parent: each
 * interface is set down, its permanent global addresses are remembered, it
 * is moved and renamed in one RTM_NEWLINK (IFLA_NET_NS_FD + IFLA_IFNAME);
 * then, inside NETNS, the addresses are added again and the link set up.
 * Run by the parent (src/linux/netdev.ts) once the init's pid is known.
 * Errors: one line on stderr, exit status 1. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stub.h"

#define MAX_ADDRS 64
#define BUF_SIZE 65536

struct saved_addr {
  unsigned char family, prefixlen;
  unsigned char local[16], address[16], broadcast[4];
  int local_len, address_len, broadcast_len;
};

struct netdev {
  const char *host, *name;
  int index;
  struct saved_addr addrs[MAX_ADDRS];
  int naddrs;
};

static _Noreturn void fail(int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("tsrunc-nsexec netdev: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (errnum) {
    char reason[256];
    snprintf(reason, sizeof reason, "%s", strerror(errnum));
    if (reason[0] >= 'A' && reason[0] <= 'Z')
      reason[0] = (char)(reason[0] - 'A' + 'a');
    fprintf(stderr, ": %s", reason);
  }
  fputc('\n', stderr);
  exit(1);
}

struct req {
  struct nlmsghdr nh;
  union {
    struct ifinfomsg ifi;
    struct ifaddrmsg ifa;
  };
  char attrs[512];
};

static unsigned seq;

static void add_attr(struct req *r, unsigned short type, const void *data, size_t len)
{
  if (NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_SPACE(len) > sizeof *r)
    fail(0, "netlink request too long");
  char *base = (char *)r;
  struct rtattr *a = (struct rtattr *)(base + NLMSG_ALIGN(r->nh.nlmsg_len));
  a->rta_type = type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy(RTA_DATA(a), data, len);
  r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static int nl_open(void)
{
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    fail(errno, "netlink socket");
  return fd;
}

/* Sends one request and waits for its ack; returns 0 or a positive errno. */
static int nl_call(int fd, struct req *r)
{
  static char buf[BUF_SIZE];
  r->nh.nlmsg_seq = ++seq;
  r->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
    return errno;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return errno;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
        continue;
      struct nlmsgerr *e = NLMSG_DATA(h);
      return -e->error;
    }
  }
}

static void link_req(struct req *r, int index, unsigned flags, unsigned change)
{
  memset(r, 0, sizeof *r);
  r->nh.nlmsg_len = NLMSG_LENGTH(sizeof r->ifi);
  r->nh.nlmsg_type = RTM_NEWLINK;
  r->ifi.ifi_family = AF_UNSPEC;
  r->ifi.ifi_index = index;
  r->ifi.ifi_flags = flags;
  r->ifi.ifi_change = change;
}

static void copy_attr(unsigned char *dst, int *dst_len, size_t cap, const struct rtattr *a)
{
  size_t len = RTA_PAYLOAD(a);
  if (len > cap)
    return;
  memcpy(dst, RTA_DATA(a), len);
  *dst_len = (int)len;
}

/* Remembers the interface's permanent addresses of global scope. */
static void save_addresses(int fd, struct netdev *d)
{
  static char buf[BUF_SIZE];
  struct req r;
  memset(&r, 0, sizeof r);
  r.nh.nlmsg_len = NLMSG_LENGTH(sizeof r.ifa);
  r.nh.nlmsg_type = RTM_GETADDR;
  r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  r.nh.nlmsg_seq = ++seq;
  r.ifa.ifa_family = AF_UNSPEC;
  if (send(fd, &r, r.nh.nlmsg_len, 0) < 0)
    fail(errno, "list addresses of %s", d->host);
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      fail(errno, "list addresses of %s", d->host);
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE)
        return;
      if (h->nlmsg_type == NLMSG_ERROR)
        fail(-((struct nlmsgerr *)NLMSG_DATA(h))->error, "list addresses of %s", d->host);
      if (h->nlmsg_type != RTM_NEWADDR)
        continue;
      struct ifaddrmsg *ifa = NLMSG_DATA(h);
      if ((int)ifa->ifa_index != d->index || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
        continue;
      unsigned flags = ifa->ifa_flags;
      struct saved_addr s = { .family = ifa->ifa_family, .prefixlen = ifa->ifa_prefixlen };
      int len = (int)IFA_PAYLOAD(h);
      for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == IFA_FLAGS && RTA_PAYLOAD(a) >= 4)
          memcpy(&flags, RTA_DATA(a), 4);
        else if (a->rta_type == IFA_LOCAL)
          copy_attr(s.local, &s.local_len, sizeof s.local, a);
        else if (a->rta_type == IFA_ADDRESS)
          copy_attr(s.address, &s.address_len, sizeof s.address, a);
        else if (a->rta_type == IFA_BROADCAST)
          copy_attr(s.broadcast, &s.broadcast_len, sizeof s.broadcast, a);
      }
      if (!(flags & IFA_F_PERMANENT) || d->naddrs == MAX_ADDRS)
        continue;
      d->addrs[d->naddrs++] = s;
    }
  }
}

static void add_address(int fd, const struct netdev *d, const struct saved_addr *s)
{
  struct req r;
  memset(&r, 0, sizeof r);
  r.nh.nlmsg_len = NLMSG_LENGTH(sizeof r.ifa);
  r.nh.nlmsg_type = RTM_NEWADDR;
  r.nh.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
  r.ifa.ifa_family = s->family;
  r.ifa.ifa_prefixlen = s->prefixlen;
  r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  r.ifa.ifa_index = (unsigned)d->index;
  if (s->local_len)
    add_attr(&r, IFA_LOCAL, s->local, (size_t)s->local_len);
  if (s->address_len)
    add_attr(&r, IFA_ADDRESS, s->address, (size_t)s->address_len);
  if (s->broadcast_len)
    add_attr(&r, IFA_BROADCAST, s->broadcast, (size_t)s->broadcast_len);
  int err = nl_call(fd, &r);
  if (err)
    fail(err, "add an address to %s in the container", d->name);
}

int netdev_main(int argc, char **argv)
{
  if (argc < 5 || (argc - 3) % 2 != 0) {
    fprintf(stderr, "usage: tsrunc-nsexec netdev NETNS HOSTNAME NAME [HOSTNAME NAME]...\n");
    return 2;
  }
  const char *nspath = argv[2];
  int ndev = (argc - 3) / 2;
  struct netdev *devs = calloc((size_t)ndev, sizeof *devs);
  if (!devs)
    fail(errno, "allocate");
  int nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0)
    fail(errno, "open network namespace %s", nspath);

  /* The kernel would move a device and only then fail to rename it: check
   * first that no new name is taken in the container (unless a %d template). */
  int hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (hostns < 0)
    fail(errno, "open /proc/self/ns/net");
  if (setns(nsfd, CLONE_NEWNET) < 0)
    fail(errno, "enter network namespace %s", nspath);
  for (int i = 0; i < ndev; i++) {
    devs[i].host = argv[3 + 2 * i];
    devs[i].name = argv[4 + 2 * i];
    if (!strchr(devs[i].name, '%') && if_nametoindex(devs[i].name) != 0)
      fail(0, "network device %s: the name %s is taken in the container", devs[i].host, devs[i].name);
  }
  if (setns(hostns, CLONE_NEWNET) < 0)
    fail(errno, "return to the host network namespace");
  close(hostns);

  int fd = nl_open();
  struct req r;
  for (int i = 0; i < ndev; i++) {
    struct netdev *d = &devs[i];
    d->index = (int)if_nametoindex(d->host);
    if (d->index == 0)
      fail(errno, "network device %s not found on the host", d->host);
    link_req(&r, d->index, 0, IFF_UP);
    int err = nl_call(fd, &r);
    if (err)
      fail(err, "set %s down", d->host);
    save_addresses(fd, d);
    link_req(&r, d->index, 0, 0);
    add_attr(&r, IFLA_IFNAME, d->name, strlen(d->name) + 1);
    uint32_t nsval = (uint32_t)nsfd;
    add_attr(&r, IFLA_NET_NS_FD, &nsval, sizeof nsval);
    if ((err = nl_call(fd, &r)))
      fail(err, "move network device %s to %s as %s", d->host, nspath, d->name);
  }
  close(fd);

  if (setns(nsfd, CLONE_NEWNET) < 0)
    fail(errno, "enter network namespace %s", nspath);
  fd = nl_open();
  for (int i = 0; i < ndev; i++) {
    struct netdev *d = &devs[i];
    /* A "%d" template is named by the kernel: the ifindex usually survives the move. */
    int index = strchr(d->name, '%') ? 0 : (int)if_nametoindex(d->name);
    if (index == 0) {
      char name[IF_NAMESIZE];
      if (!if_indextoname((unsigned)d->index, name))
        fail(errno, "network device %s not found in the container", d->name);
      index = d->index;
    }
    d->index = index;
    for (int a = 0; a < d->naddrs; a++)
      add_address(fd, d, &d->addrs[a]);
    link_req(&r, d->index, IFF_UP, IFF_UP);
    int err = nl_call(fd, &r);
    if (err)
      fail(err, "set %s up in the container", d->name);
  }
  return 0;
}
