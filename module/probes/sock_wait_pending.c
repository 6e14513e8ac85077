// SPDX-License-Identifier: GPL-2.0
/*
 * Commit "tcp: deny tcp_disconnect() when threads are waiting" (in 5.10.y,
 * as Debian's 5.10.223 has it, and replaced later by sk_disconnects, see
 * sock_disconnects.c): struct sock counts the threads asleep in
 * sk_wait_event(), and tcp_disconnect() refuses with -EBUSY while there
 * are any.
 */
#include <net/sock.h>

int cwstat_probe(const struct sock *sk);
int cwstat_probe(const struct sock *sk)
{
	return sk->sk_wait_pending;
}
