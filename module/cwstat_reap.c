// SPDX-License-Identifier: GPL-2.0
/*
 * The reaper: /proc/net/cwstat_reap, one file per netns, aborts the sockets
 * that have sat in CLOSE_WAIT longer than the writer says, for an operator
 * who must keep a leaking application up until its fix ships.
 *
 * A request is one line of space-separated key=value pairs (the keys are
 * in cwstat_format.h): older_than=SECONDS, required and at least 60, and
 * optionally ns=INODE|all, cgroup=ID, lport=PORT, max=N (default 1000),
 * dry_run=0|1. Anything else, a key twice, a missing or out-of-range value
 * is -EINVAL, and nothing is done. A read gives the result of the last
 * request written through the same open file ("key value" lines), and
 * nothing before the first one.
 *
 * Why /proc/net and not /sys/kernel/cwstat: the file belongs to a netns,
 * so the scope of a request is that netns, and a container's root
 * (CAP_NET_ADMIN over its netns's user namespace) can reap in its own netns
 * and nowhere else; sysfs is host-wide and read-only in containers.
 *
 * Privilege, at write: CAP_NET_ADMIN over the file's netns's user
 * namespace, held both by whoever opened the file and by the writer, so a
 * privileged process handed an fd does not act for an unprivileged one nor
 * the reverse. The scope is the file's netns; ns= may name another netns,
 * or "all", only through the initial netns's file and with CAP_NET_ADMIN
 * over the initial user namespace (root on the host).
 *
 * The ages come from the live table (mode=live); in scan mode a request is
 * refused with -EOPNOTSUPP: a walk knows only the time since the last
 * segment, which is not the time in CLOSE_WAIT.
 */
#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "cwstat_format.h"
#include "cwstat.h"

/* The source chosen at load, which does the aborting; set before the files. */
static const struct cwstat_source *cwstat_reap_src;

#ifdef DEBUG
/* Test builds only: ages of 60 s and more are slow to make in a VM. */
static unsigned int reap_min_age_s = CWSTAT_REAP_MIN_AGE_S;
module_param(reap_min_age_s, uint, 0444);
MODULE_PARM_DESC(reap_min_age_s,
		 "Test builds only: the smallest older_than a reap request may give (default 60)");

/* Test builds only: a request long enough for rmmod to meet it. */
static unsigned int reap_delay_ms;
module_param(reap_delay_ms, uint, 0444);
MODULE_PARM_DESC(reap_delay_ms,
		 "Test builds only: sleep this long after each abort (default 0)");
#else
static const unsigned int reap_min_age_s = CWSTAT_REAP_MIN_AGE_S;
static const unsigned int reap_delay_ms;
#endif

/*
 * Per open file: the last request made through it and its result.
 * seq_open_net() allocates it, zeroed, with the netns first.
 */
struct cwstat_reap_state {
	struct seq_net_private p;
	bool done;
	struct cwstat_reap_req req;
	struct cwstat_reap_result res;
};

/*
 * A request pins the sockets it picked (up to max of them) until it has
 * been through them, so requests run one at a time per netns, yet a
 * container's long request must not hold up the reapers of other netns.
 * (Two requests that pick the same socket would still end it once: the
 * source ends each under its spinlock.) A request through a netns's own
 * file, for that netns, can only match entries of that netns (no other
 * live netns has its inode number): it holds cwstat_reap_rwsem for read
 * and the netns's own cwstat_reap_net.lock. A request beyond its file's
 * netns (ns=all, or another netns's number: root on the host, through the
 * initial netns's file) may match any entry: it holds cwstat_reap_rwsem
 * for write, which excludes every other request. No request waits on a
 * socket's lock while it holds these (cwstat_reap_one() in the live
 * source), so none holds up another for longer than its own work.
 *
 * cwstat_reap_result_lock guards the req and res of every open file, so
 * that a read never waits for a long request on another file.
 */
static DECLARE_RWSEM(cwstat_reap_rwsem);
static DEFINE_MUTEX(cwstat_reap_result_lock);

struct cwstat_reap_net {
	struct mutex lock;	/* serialises this netns's own requests */
};

static unsigned int cwstat_reap_net_id;

enum cwstat_reap_key {
	CWSTAT_RK_OLDER_THAN,
	CWSTAT_RK_NS,
	CWSTAT_RK_CGROUP,
	CWSTAT_RK_LPORT,
	CWSTAT_RK_MAX,
	CWSTAT_RK_DRY_RUN,
	CWSTAT_RK_NR
};

static const char * const cwstat_reap_keys[CWSTAT_RK_NR] = {
	[CWSTAT_RK_OLDER_THAN] = CWSTAT_REAP_OLDER_THAN,
	[CWSTAT_RK_NS] = CWSTAT_REAP_NS,
	[CWSTAT_RK_CGROUP] = CWSTAT_REAP_CGROUP,
	[CWSTAT_RK_LPORT] = CWSTAT_REAP_LPORT,
	[CWSTAT_RK_MAX] = CWSTAT_REAP_MAX,
	[CWSTAT_RK_DRY_RUN] = CWSTAT_REAP_DRY_RUN,
};

/* One key=value into @req; -EINVAL for any value out of its range. */
static int cwstat_reap_parse_one(enum cwstat_reap_key key, const char *val,
				 struct cwstat_reap_req *req)
{
	unsigned int v;
	int err;

	switch (key) {
	case CWSTAT_RK_NS:
		if (!strcmp(val, CWSTAT_REAP_NS_ALL)) {
			req->all_ns = true;
			return 0;
		}
		err = kstrtouint(val, 10, &req->ns);
		return err || !req->ns ? -EINVAL : 0;
	case CWSTAT_RK_CGROUP:
		err = kstrtou64(val, 10, &req->cgroup_id);
		return err || !req->cgroup_id ? -EINVAL : 0;
	case CWSTAT_RK_LPORT:
		err = kstrtou16(val, 10, &req->lport);
		return err || !req->lport ? -EINVAL : 0;
	default:
		break;
	}

	/* The rest are unsigned ints. */
	if (kstrtouint(val, 10, &v))
		return -EINVAL;
	switch (key) {
	case CWSTAT_RK_OLDER_THAN:
		if (v < reap_min_age_s)
			return -EINVAL;
		req->older_than_s = v;
		return 0;
	case CWSTAT_RK_MAX:
		if (!v || v > CWSTAT_REAP_MAX_MAX)
			return -EINVAL;
		req->max = v;
		return 0;
	case CWSTAT_RK_DRY_RUN:
		if (v > 1)
			return -EINVAL;
		req->dry_run = v;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * Parse the request in @buf (NUL-terminated, ours to change). Tokens are
 * separated by single spaces, with one newline allowed at the end; *@ns_set
 * tells whether ns= was given.
 */
static int cwstat_reap_parse(char *buf, struct cwstat_reap_req *req,
			     bool *ns_set)
{
	unsigned long seen = 0;
	size_t len = strlen(buf);
	char *tok;

	memset(req, 0, sizeof(*req));
	req->max = CWSTAT_REAP_DEFAULT_MAX;
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (!len)
		return -EINVAL;

	while ((tok = strsep(&buf, " "))) {
		char *val = strchr(tok, '=');
		int key, err;

		if (!val || !val[1])
			return -EINVAL;
		*val++ = '\0';
		key = match_string(cwstat_reap_keys, CWSTAT_RK_NR, tok);
		if (key < 0 || __test_and_set_bit(key, &seen))
			return -EINVAL;
		err = cwstat_reap_parse_one(key, val, req);
		if (err)
			return err;
	}
	if (!test_bit(CWSTAT_RK_OLDER_THAN, &seen))
		return -EINVAL;
	*ns_set = test_bit(CWSTAT_RK_NS, &seen);
	return 0;
}

/* Whoever opened @file and the writer both hold CAP_NET_ADMIN over @ns. */
static bool cwstat_reap_capable(const struct file *file,
				struct user_namespace *ns)
{
	return file_ns_capable(file, ns, CAP_NET_ADMIN) &&
	       ns_capable(ns, CAP_NET_ADMIN);
}

static void cwstat_reap_log(const struct cwstat_reap_req *req,
			    const struct cwstat_reap_result *res)
{
	char ns[16];

	if (req->all_ns)
		strscpy(ns, CWSTAT_REAP_NS_ALL, sizeof(ns));
	else
		snprintf(ns, sizeof(ns), "%u", req->ns);
	pr_info_ratelimited("reap%s: %llu aborted, %llu matched, %llu skipped (%llu left CLOSE_WAIT first, %llu beyond max=%u, %llu busy); older_than=%us ns=%s cgroup=%llu lport=%u; by pid %d (%s)\n",
			    req->dry_run ? " (dry run)" : "", res->aborted,
			    res->matched,
			    res->skipped_state + res->skipped_max +
			    res->skipped_busy,
			    res->skipped_state, res->skipped_max, req->max,
			    res->skipped_busy,
			    req->older_than_s, ns, req->cgroup_id, req->lport,
			    task_tgid_nr(current), current->comm);
}

/* proc_create_net_data_write()'s write: @buf is a NUL-terminated copy. */
static int cwstat_reap_write(struct file *file, char *buf, size_t size)
{
	struct seq_file *m = file->private_data;
	struct cwstat_reap_state *st = m->private;
	/* A seq_open_net() file, not a single one: seq_file_net() is right. */
	struct net *net = seq_file_net(m);
	struct cwstat_reap_result res;
	struct cwstat_reap_req req;
	bool ns_set = false;
	int err;

	/* Before parsing: the unprivileged learn nothing from the errors. */
	if (!cwstat_reap_capable(file, net->user_ns))
		return -EPERM;
	if (size > CWSTAT_REAP_MAX_REQUEST || strlen(buf) != size)
		return -EINVAL;
	err = cwstat_reap_parse(buf, &req, &ns_set);
	if (err)
		return err;

	if (!ns_set) {
		req.ns = net->ns.inum;
	} else if (req.all_ns || req.ns != net->ns.inum) {
		if (!net_eq(net, &init_net) ||
		    !cwstat_reap_capable(file, &init_user_ns))
			return -EPERM;
	}

	req.test_delay_ms = min(reap_delay_ms, 1000U);
	if (req.all_ns || req.ns != net->ns.inum) {
		if (down_write_killable(&cwstat_reap_rwsem))
			return -EINTR;
		err = cwstat_reap_src->reap(&req, &res);
		up_write(&cwstat_reap_rwsem);
	} else {
		struct cwstat_reap_net *rn;

		rn = net_generic(net, cwstat_reap_net_id);
		if (down_read_killable(&cwstat_reap_rwsem))
			return -EINTR;
		if (mutex_lock_killable(&rn->lock)) {
			up_read(&cwstat_reap_rwsem);
			return -EINTR;
		}
		err = cwstat_reap_src->reap(&req, &res);
		mutex_unlock(&rn->lock);
		up_read(&cwstat_reap_rwsem);
	}
	/* The source says whether it can reap: scan mode has no ages. */
	if (err == -EOPNOTSUPP)
		pr_info_ratelimited("reap: refused, mode=%s has no time in CLOSE_WAIT; load with mode=live\n",
				    cwstat_reap_src->name);
	if (err)
		return err;
	cwstat_reap_log(&req, &res);

	mutex_lock(&cwstat_reap_result_lock);
	st->req = req;
	st->res = res;
	st->done = true;
	mutex_unlock(&cwstat_reap_result_lock);
	return 0;
}

static void *cwstat_reap_start(struct seq_file *m, loff_t *pos)
{
	return *pos ? NULL : SEQ_START_TOKEN;
}

static void *cwstat_reap_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return NULL;
}

static void cwstat_reap_stop(struct seq_file *m, void *v)
{
}

static int cwstat_reap_show(struct seq_file *m, void *v)
{
	struct cwstat_reap_state *st = m->private;
	struct cwstat_reap_result res;
	struct cwstat_reap_req req;
	bool done;

	mutex_lock(&cwstat_reap_result_lock);
	done = st->done;
	req = st->req;
	res = st->res;
	mutex_unlock(&cwstat_reap_result_lock);
	if (!done)
		return 0;

	seq_printf(m, CWSTAT_REAP_MATCHED " %llu\n", res.matched);
	seq_printf(m, CWSTAT_REAP_ABORTED " %llu\n", res.aborted);
	seq_printf(m, CWSTAT_REAP_SKIPPED_STATE " %llu\n", res.skipped_state);
	seq_printf(m, CWSTAT_REAP_SKIPPED_MAX " %llu\n", res.skipped_max);
	seq_printf(m, CWSTAT_REAP_SKIPPED_BUSY " %llu\n", res.skipped_busy);
	seq_printf(m, CWSTAT_REAP_DRY_RUN " %u\n", req.dry_run);
	seq_printf(m, CWSTAT_REAP_OLDER_THAN " %u\n", req.older_than_s);
	if (req.all_ns)
		seq_puts(m, CWSTAT_REAP_NS " " CWSTAT_REAP_NS_ALL "\n");
	else
		seq_printf(m, CWSTAT_REAP_NS " %u\n", req.ns);
	seq_printf(m, CWSTAT_REAP_CGROUP " %llu\n", req.cgroup_id);
	seq_printf(m, CWSTAT_REAP_LPORT " %u\n", req.lport);
	seq_printf(m, CWSTAT_REAP_MAX " %u\n", req.max);
	return 0;
}

static const struct seq_operations cwstat_reap_seq_ops = {
	.start	= cwstat_reap_start,
	.next	= cwstat_reap_next,
	.stop	= cwstat_reap_stop,
	.show	= cwstat_reap_show,
};

/*
 * The file belongs to the root of the netns's user namespace, as
 * nf_conntrack's per-netns files do: created as global root's, a 0600 file
 * would shut out a container's root whose uid 0 maps elsewhere (its
 * CAP_DAC_OVERRIDE does not reach an owner it cannot map). Who may write is
 * still decided by the capability checks at write.
 *
 * The owner is fixed here, when the netns is made, so the user namespace
 * must have its uid and gid maps by then. Container runtimes map the user
 * namespace before they make the netns; a netns made in the same unshare()
 * as its user namespace (unshare -r -n) is made before any map, and its
 * file stays global root's.
 */
static int __net_init cwstat_reap_net_init(struct net *net)
{
	struct cwstat_reap_net *rn = net_generic(net, cwstat_reap_net_id);
	kuid_t uid = make_kuid(net->user_ns, 0);
	kgid_t gid = make_kgid(net->user_ns, 0);
	struct proc_dir_entry *pde;

	/* Before the file exists: a writer takes it at once. */
	mutex_init(&rn->lock);
	pde = proc_create_net_data_write(CWSTAT_REAP_NAME, 0600, net->proc_net,
					 &cwstat_reap_seq_ops, cwstat_reap_write,
					 sizeof(struct cwstat_reap_state), NULL);
	if (!pde)
		return -ENOMEM;
	if (uid_valid(uid) && gid_valid(gid))
		proc_set_user(pde, uid, gid);
	return 0;
}

/* Waits for writers inside cwstat_reap_write(), and releases open files. */
static void __net_exit cwstat_reap_net_exit(struct net *net)
{
	remove_proc_entry(CWSTAT_REAP_NAME, net->proc_net);
}

/* .size: the netns core allocates and frees our cwstat_reap_net. */
static struct pernet_operations cwstat_reap_net_ops = {
	.init = cwstat_reap_net_init,
	.exit = cwstat_reap_net_exit,
	.id = &cwstat_reap_net_id,
	.size = sizeof(struct cwstat_reap_net),
};

int cwstat_reap_init(const struct cwstat_source *src)
{
	cwstat_reap_src = src;
	return register_pernet_subsys(&cwstat_reap_net_ops);
}

void cwstat_reap_exit(void)
{
	unregister_pernet_subsys(&cwstat_reap_net_ops);
}
