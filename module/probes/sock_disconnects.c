// SPDX-License-Identifier: GPL-2.0
/*
 * Commit "tcp: allow again tcp_disconnect() when threads are waiting"
 * (in 6.1.y too, as Debian's 6.1 has it): struct sock counts the
 * disconnects, and a thread that slept in sk_wait_event() returns -EPIPE
 * when the count moved while it slept. A caller of the protocol's
 * disconnect() bumps it first, as __inet_stream_connect() does.
 */
#include <net/sock.h>

void cwstat_probe(struct sock *sk);
void cwstat_probe(struct sock *sk)
{
	sk->sk_disconnects++;
}
