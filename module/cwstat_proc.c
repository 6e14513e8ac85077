// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/cwstat (every netns the reader may see) and /proc/net/cwstat (the
 * reader's netns), both in format v1 of cwstat_format.h.
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/err.h>
#include <linux/limits.h>
#include <linux/math64.h>
#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "cwstat_format.h"
#include "cwstat.h"

static bool cwstat_in_scope(const struct cwstat_scope *scope,
			    const struct cwstat_row *row)
{
	/* Not ns.inum: a dead netns's number, and cached rows, pass on. */
	return scope->all || row->net_cookie == cwstat_net_cookie(scope->net);
}

/*
 * The counts as " key=value" pairs. seq_put_decimal_ull(), not
 * seq_printf(): a row is a dozen numbers, and vsnprintf()'s parsing of
 * the format made most of a read's cost (see Documentation/benchmark.md).
 */
static void cwstat_show_counts(struct seq_file *m,
			       const struct cwstat_counts *cw, bool live)
{
	static const char * const age_keys[] = CWSTAT_AGE_KEYS;
	/* Not jiffies_to_msecs(): its 32-bit result wraps after 49 days. */
	unsigned int idle_s = cw->oldest_idle / HZ;
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(age_keys) != CWSTAT_AGE_BUCKETS);
	seq_put_decimal_ull(m, " " CWSTAT_KEY_CLOSE_WAIT "=", cw->close_wait);
	seq_put_decimal_ull(m, " " CWSTAT_KEY_RECVQ_BYTES "=", cw->recvq_bytes);
	seq_put_decimal_ull(m, " " CWSTAT_KEY_RMEM_BYTES "=", cw->rmem_bytes);
	seq_put_decimal_ull(m, " " CWSTAT_KEY_OLDEST_IDLE_S "=", idle_s);
	if (!live)
		return;
	seq_put_decimal_ull(m, " " CWSTAT_KEY_OLDEST_S "=",
			    div_u64(cw->oldest_age_ns, NSEC_PER_SEC));
	for (i = 0; i < CWSTAT_AGE_BUCKETS; i++) {
		seq_putc(m, ' ');
		seq_puts(m, age_keys[i]);
		seq_put_decimal_ull(m, "=", cw->age_hist[i]);
	}
}

/*
 * The bytes a path is printed with escaped: those of CWSTAT_PATH_ESCAPE and
 * every ASCII control character. Bytes from 0x80 up pass, so UTF-8 names
 * stay readable.
 */
static bool cwstat_needs_escape(unsigned char c)
{
	return c < 0x20 || c == 0x7f || strchr(CWSTAT_PATH_ESCAPE, c);
}

/*
 * Write @s with each byte cwstat_needs_escape() names as a backslash and
 * three octal digits. A cgroup name may hold any byte but '/' and NUL, and
 * a delegated user picks it: unescaped, a carriage return or an escape
 * sequence would reach an admin's terminal.
 */
static void cwstat_show_escaped(struct seq_file *m, const char *s)
{
	const char *p;

	/* Most names need nothing escaped: one copy, not one call a byte. */
	for (p = s; *p; p++)
		if (cwstat_needs_escape(*p))
			break;
	if (!*p) {
		seq_puts(m, s);
		return;
	}
	for (; *s; s++) {
		unsigned char c = *s;

		if (cwstat_needs_escape(c))
			seq_printf(m, "\\%03o", c);
		else
			seq_putc(m, c);
	}
}

static int cwstat_show_cgroup_path(struct seq_file *m, struct cgroup *cgrp,
				   char *buf)
{
	struct cgroup_namespace *ns = current->nsproxy->cgroup_ns;
	int len;

	/*
	 * Relative to the reader's cgroup namespace, as /proc/PID/cgroup
	 * shows it, except that a cgroup outside it reads "/.." alone:
	 * /proc/PID/cgroup goes on with the names below the common ancestor
	 * ("/../sibling"), which a reader can see only for the processes of
	 * its own PID namespace, while a row here is any socket of the
	 * reader's netns, whose other users (a pod's other containers, a
	 * host daemon that entered it) must not be named. cgroup_path_ns()
	 * takes cgroup_mutex to find the namespace's root, so a reader
	 * would wait behind every cgroup creation and removal of the host,
	 * once per row. A namespace rooted at cgroup2's root (the initial
	 * one among them; the rows' cgroups are all of cgroup2's) needs no
	 * root found: kernfs_path(), in cgroup_path(), starts from the top
	 * anyway, so it prints the same string, under kernfs's locks alone.
	 * The rows' cgroup references keep cgrp->kn valid; the namespace's
	 * root css_set, and that set's cgroup, are fixed when the namespace
	 * is made, and current's nsproxy holds the namespace.
	 *
	 * A path of PATH_MAX bytes or more (a delegated user can nest long
	 * names that deep) is printed cut to PATH_MAX - 1 bytes, on every
	 * kernel, and marked so (path_cut=1): kernfs leaves @buf cut and
	 * NUL-terminated, and returns the whole length (before v6.8) or the
	 * cut one (from v6.8, and backported to Debian's 6.1), or -E2BIG
	 * (the same versions) when the "/.." that climb from a namespace
	 * root over 1 365 levels deep do not fit. Since a cut length cannot
	 * be told from a path of exactly PATH_MAX - 1 bytes, that one is
	 * marked too. Refusing the row would fail the whole read, and let
	 * one container's cgroup names blind the host's monitoring; the
	 * row's cgroup id still names the cgroup exactly.
	 */
	if (!ns->root_cset->dfl_cgrp->level)
		len = cgroup_path(cgrp, buf, PATH_MAX);
	else
		len = cgroup_path_ns(cgrp, buf, PATH_MAX, ns);
	if (len < 0 && len != -E2BIG)
		return len;
	if (!strncmp(buf, "/..", 3) && (buf[3] == '/' || !buf[3])) {
		buf[3] = '\0';
		len = 3;
	}
	seq_puts(m, " " CWSTAT_KEY_CGROUP_PATH "=");
	cwstat_show_escaped(m, buf);
	if (len < 0 || len >= PATH_MAX - 1)
		seq_puts(m, " " CWSTAT_KEY_CGROUP_PATH_CUT "=1");
	return 0;
}

/*
 * Print @snap as @scope may see it. A row that cannot be printed whole
 * fails the read: -ENOMEM without a path buffer, or the error of
 * cgroup_path() or cgroup_path_ns(). seq_file then returns the error and
 * none of the text, so a reader gets an error or the whole file (in which
 * a path longer than PATH_MAX is cut: see cwstat_show_cgroup_path()).
 */
static int cwstat_render(struct seq_file *m,
			 const struct cwstat_snapshot *snap,
			 const struct cwstat_scope *scope)
{
	struct cwstat_counts total = {};
	u64 sockets = 0;
	char *path_buf;
	unsigned int i;
	int err = 0;

	path_buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!path_buf)
		return -ENOMEM;

	for (i = 0; i < snap->nr_rows; i++) {
		const struct cwstat_row *row = &snap->rows[i];

		if (row->cgroup_id || !cwstat_in_scope(scope, row))
			continue;
		cwstat_counts_add(&total, &row->cw);
		sockets += row->sockets;
	}

	seq_printf(m, CWSTAT_ROW_VERSION "=%d\n", CWSTAT_FORMAT_VERSION);
	seq_puts(m, CWSTAT_ROW_TOTAL);
	cwstat_show_counts(m, &total, snap->ages);
	/* Only a walk knows every socket; the live table has CLOSE_WAIT's. */
	if (!snap->ages)
		seq_printf(m, " " CWSTAT_KEY_SOCKETS "=%llu", sockets);
	seq_putc(m, '\n');

	for (i = 0; i < snap->nr_rows; i++) {
		const struct cwstat_row *row = &snap->rows[i];

		/* A netns row without CLOSE_WAIT only feeds the total. */
		if (!row->cw.close_wait || !cwstat_in_scope(scope, row))
			continue;
		if (!row->cgroup_id) {
			seq_put_decimal_ull(m, CWSTAT_ROW_NETNS " "
					    CWSTAT_KEY_NS "=", row->ns);
			cwstat_show_counts(m, &row->cw, snap->ages);
			if (!snap->ages)
				seq_put_decimal_ull(m, " " CWSTAT_KEY_SOCKETS
						    "=", row->sockets);
			seq_putc(m, '\n');
			continue;
		}
		seq_put_decimal_ull(m, CWSTAT_ROW_CGROUP " " CWSTAT_KEY_NS "=",
				    row->ns);
		seq_put_decimal_ull(m, " " CWSTAT_KEY_CGROUP_ID "=",
				    row->cgroup_id);
		err = cwstat_show_cgroup_path(m, row->cgrp, path_buf);
		if (err)
			break;
		cwstat_show_counts(m, &row->cw, snap->ages);
		seq_putc(m, '\n');
	}
	kfree(path_buf);
	return err;
}

/* Render the newest snapshot: each read from offset 0 is a fresh one. */
static int cwstat_show_scope(struct seq_file *m,
			     const struct cwstat_scope *scope)
{
	struct cwstat_snapshot *snap;
	int err;

	snap = cwstat_snapshot_get();
	if (IS_ERR(snap))
		return PTR_ERR(snap);
	err = cwstat_render(m, snap, scope);
	cwstat_snapshot_put(snap);
	return err;
}

/*
 * Bytes of the last whole render for a reader of every netns, to size the
 * next one's buffer: seq_file runs a show() that overflowed its buffer
 * again, whole, into one twice as big, so a short guess costs a render.
 * A hint, read and written by concurrent readers without a lock
 * (READ_ONCE/WRITE_ONCE): a stale value costs only that retry.
 */
static size_t cwstat_proc_last_size;

static int cwstat_proc_show(struct seq_file *m, void *v)
{
	const struct cwstat_scope *scope = m->private;
	int err;

	err = cwstat_show_scope(m, scope);
	if (!err && scope->all && !seq_has_overflowed(m))
		WRITE_ONCE(cwstat_proc_last_size, m->count);
	return err;
}

/*
 * The last render's size and an eighth, or the snapshot's guess, up to
 * CWSTAT_PROC_HINT_MAX: the buffer is allocated at open, charged to the
 * opener, before anything is read, and one big render in an incident
 * must not make every later open ask for as much (a bigger file still
 * reads: seq_file grows the buffer).
 */
#define CWSTAT_PROC_HINT_MAX	SZ_4M

static size_t cwstat_proc_size_hint(void)
{
	size_t last = READ_ONCE(cwstat_proc_last_size);

	return min_t(size_t, max(cwstat_snapshot_size_hint(), last + last / 8),
		     CWSTAT_PROC_HINT_MAX);
}

/*
 * Only a reader in the initial netns with CAP_NET_ADMIN over the initial
 * user namespace sees other netns; anyone else sees the netns it is in, and
 * a total over that netns alone. The scope is fixed at open, from the
 * opener's credentials (f_cred), so a file handed to a more privileged
 * process shows no more.
 */
static int cwstat_proc_open(struct inode *inode, struct file *file)
{
	struct net *net = current->nsproxy->net_ns;
	struct cwstat_scope *scope;
	int err;

	scope = kzalloc(sizeof(*scope), GFP_KERNEL);
	if (!scope)
		return -ENOMEM;
	scope->net = get_net(net);
	scope->all = net_eq(net, &init_net) &&
		     file_ns_capable(file, &init_user_ns, CAP_NET_ADMIN);

	/*
	 * A buffer big enough for the last read spares seq_file a retry;
	 * without the memory for it, a plain open (the first read then
	 * allocates what it needs).
	 */
	err = 0;
	if (scope->all)
		err = single_open_size(file, cwstat_proc_show, scope,
				       cwstat_proc_size_hint());
	if (!scope->all || err == -ENOMEM)
		err = single_open(file, cwstat_proc_show, scope);
	if (err) {
		put_net(scope->net);
		kfree(scope);
	}
	return err;
}

static int cwstat_proc_release(struct inode *inode, struct file *file)
{
	struct cwstat_scope *scope =
		((struct seq_file *)file->private_data)->private;

	put_net(scope->net);
	kfree(scope);
	return single_release(inode, file);
}

static const struct proc_ops cwstat_proc_ops = {
	.proc_open	= cwstat_proc_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= cwstat_proc_release,
};

int cwstat_proc_init(void)
{
	if (!proc_create(CWSTAT_PROC_NAME, 0444, NULL, &cwstat_proc_ops))
		return -ENOMEM;
	return 0;
}

/* Waits for readers inside a proc op, and releases files still open. */
void cwstat_proc_exit(void)
{
	remove_proc_entry(CWSTAT_PROC_NAME, NULL);
}

/*
 * /proc/net/cwstat: the netns the file belongs to. proc_create_net_single()
 * stores the netns itself as the private data, so it must be read with
 * seq_file_single_net(), not seq_file_net(); the open file holds a
 * reference on it.
 *
 * Any process may read its own netns's file. /proc/PID/net/cwstat also
 * reaches the file of another process's netns, which /proc/PID/net/tcp
 * leaves open to everyone; here that takes CAP_NET_ADMIN over the netns, so
 * that an unprivileged reader never sees another netns's data.
 */
static int cwstat_proc_net_show(struct seq_file *m, void *v)
{
	struct cwstat_scope scope = {
		.net = seq_file_single_net(m),
	};

	if (!net_eq(scope.net, current->nsproxy->net_ns) &&
	    !file_ns_capable(m->file, scope.net->user_ns, CAP_NET_ADMIN))
		return -EACCES;
	return cwstat_show_scope(m, &scope);
}

static int __net_init cwstat_net_init(struct net *net)
{
	if (!proc_create_net_single(CWSTAT_PROC_NAME, 0444, net->proc_net,
				    cwstat_proc_net_show, NULL))
		return -ENOMEM;
	return 0;
}

static void __net_exit cwstat_net_exit(struct net *net)
{
	remove_proc_entry(CWSTAT_PROC_NAME, net->proc_net);
}

static struct pernet_operations cwstat_net_ops = {
	.init = cwstat_net_init,
	.exit = cwstat_net_exit,
};

int cwstat_proc_net_init(void)
{
	return register_pernet_subsys(&cwstat_net_ops);
}

void cwstat_proc_net_exit(void)
{
	unregister_pernet_subsys(&cwstat_net_ops);
}
