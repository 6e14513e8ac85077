// SPDX-License-Identifier: GPL-2.0
/*
 * cwstat serve: the counts as a Prometheus /metrics endpoint, over
 * libmicrohttpd. Each scrape reads the source afresh, so ages are exact at
 * scrape time; the body is OpenMetrics 1.0.0 when the scraper's Accept
 * rates it first (Prometheus does), else text 0.0.4 (cw_output_negotiate).
 *
 * A thread per connection, at most SERVE_CONNECTIONS of them and
 * SERVE_PER_IP from one address (more are turned away at connect), each
 * bounded in memory (SERVE_HEADER_MEMORY: larger headers get 431) and time
 * (SERVE_IDLE_SECONDS); reading the counts is serialised by one mutex, so
 * concurrent scrapes cost one read each, one after the other, and the
 * tool's code, written for one thread, runs in one at a time.
 *
 * Built as its own program, cwstat-serve, linked against the shared
 * libmicrohttpd; the static cwstat runs it for `cwstat serve`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cwstat.h"
#include "output.h"
#include "rows.h"
#include "serve.h"
#include "source.h"

#ifndef CWSTAT_VERSION
#define CWSTAT_VERSION "unknown"
#endif

#define SERVE_DEFAULT_LISTEN	":9979"
#define SERVE_CONNECTIONS	32
#define SERVE_PER_IP		16
#define SERVE_IDLE_SECONDS	30
#define SERVE_HEADER_MEMORY	16384

enum {
	OPT_LISTEN = OPT_SOURCE_NEXT,
};

static const char *const serve_usage =
"usage: cwstat serve [--listen [ADDRESS]:PORT] [--by VIEW] [SOURCE]\n"
"\n"
"Serve the counts as Prometheus metrics on http://ADDRESS:PORT/metrics,\n"
"read afresh at every scrape: OpenMetrics 1.0.0 when the scraper asks for\n"
"it (Prometheus does), else the text format 0.0.4 of 'cwstat prom'.\n"
"\n"
"  --listen [ADDRESS]:PORT\n"
"                       numeric IPv4 or [IPv6] address and port; no address:\n"
"                       every address of the host (default " SERVE_DEFAULT_LISTEN ")\n"
"  --by VIEW            tree (default), total, netns, cgroup or container\n"
"\n"
"SOURCE options as for show: --input FILE, --source auto|module|diag,\n"
"--all-netns, --no-names, --runtime-root DIR, --sysfs DIR.\n"
"Runs until SIGTERM or SIGINT. Exit status: 0 stopped by a signal,\n"
"1 cannot listen, 2 usage error. See cwstat(8).\n";

struct serve {
	struct cw_source_opts so;
	enum cw_by by;
	pthread_mutex_t lock;		/* one read of the counts at a time */
};

/*
 * The metrics in @fmt, into a malloc'd buffer; on failure NULL and @err
 * says why. Under @sv->lock: the tool's code is not written for threads.
 */
static char *collect(struct serve *sv, enum cw_format fmt, size_t *len,
		     struct cw_error *err)
{
	struct cw_output_opts oo = { .format = fmt, .by = sv->by,
				     .version = CWSTAT_VERSION };
	struct cw_snapshot s = {0};
	struct cw_names names;
	struct cw_meta meta;
	char *body = NULL;
	FILE *f;

	pthread_mutex_lock(&sv->lock);
	if (cw_source_load(&sv->so, &s, err))
		goto out;
	if (cw_source_names(&names, &s, &sv->so)) {
		cw_error_set(err, "out of memory");
		cw_snapshot_free(&s);
		goto out;
	}
	oo.names = &names;
	oo.meta = cw_source_meta(&meta, &sv->so);
	f = open_memstream(&body, len);
	if (!f || cw_output(f, &s, &oo) | fclose(f)) {
		cw_error_set(err, "cannot format the metrics: %s",
			     strerror(errno));
		free(body);
		body = NULL;
	}
	if (oo.meta)
		cw_meta_free(oo.meta);
	cw_names_free(&names);
	cw_snapshot_free(&s);
out:
	pthread_mutex_unlock(&sv->lock);
	return body;
}

/* Queue @body (freed by libmicrohttpd when @own) with @status. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, char *body, size_t len,
			     bool own)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, own ?
					    MHD_RESPMEM_MUST_FREE :
					    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (own)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c,
				  unsigned int status, const char *text)
{
	return reply(c, status, "text/plain; charset=utf-8", (char *)text,
		     strlen(text), false);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req)
{
	static int started;
	struct serve *sv = cls;
	enum cw_format fmt;
	struct cw_error err;
	char *body, *msg;
	size_t len;

	(void)version;
	(void)upload;
	if (strcmp(url, "/metrics") && strcmp(url, "/"))
		return reply_text(c, MHD_HTTP_NOT_FOUND,
				  "404 not found: cwstat serves /metrics\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "405 method not allowed: GET or HEAD\n");
	/*
	 * libmicrohttpd calls once with the headers, then with any body
	 * (which a GET has no use for, so it is dropped), then once more to
	 * ask for the answer.
	 */
	if (!*req) {
		*req = &started;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/"))
		return reply_text(c, MHD_HTTP_OK,
				  "cwstat " CWSTAT_VERSION ": CLOSE_WAIT sockets per netns, cgroup and container at /metrics\n");
	fmt = cw_output_negotiate(MHD_lookup_connection_value(c,
				  MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	body = collect(sv, fmt, &len, &err);
	if (body)
		return reply(c, MHD_HTTP_OK, cw_output_content_type(fmt), body,
			     len, true);
	/* The scrape fails (up is 0) and says why; so does the journal. */
	cw_warn("%s", err.msg);
	if (asprintf(&msg, "cwstat: %s\n", err.msg) < 0)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "cwstat: out of memory\n");
	return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		     "text/plain; charset=utf-8", msg, strlen(msg), true);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	cw_note("%s", line);
}

/*
 * A listening socket for @spec, "[ADDRESS]:PORT" with a numeric address
 * (no DNS at start-up): IPv4, or IPv6 in brackets; none is every address,
 * IPv6 and IPv4 both where the host has IPv6. -1 with @err on failure,
 * and *@bad set when @spec itself is wrong.
 */
static int listen_on(const char *spec, struct cw_error *err, bool *bad)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICHOST |
					      AI_NUMERICSERV };
	struct addrinfo *ai = NULL, *a;
	const char *colon = strrchr(spec, ':');
	char host[64] = "";
	int fd = -1, one = 1, zero = 0, r, e = 0;

	*bad = true;
	if (!colon || !colon[1] || (size_t)(colon - spec) >= sizeof(host)) {
		cw_error_set(err, "bad --listen '%s' ([ADDRESS]:PORT)", spec);
		return -1;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	if (host[0] == '[') {
		size_t n = strlen(host);

		if (n < 2 || host[n - 1] != ']') {
			cw_error_set(err, "bad --listen '%s' ([ADDRESS]:PORT)",
				     spec);
			return -1;
		}
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
		hints.ai_family = AF_INET6;
	} else if (strchr(host, ':')) {
		cw_error_set(err, "bad --listen '%s': an IPv6 address goes in brackets, [::1]:PORT",
			     spec);
		return -1;
	}
	if (!host[0])
		hints.ai_family = AF_INET6;
	r = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
	if (r && !host[0]) {
		/* No IPv6 on this host: every IPv4 address, then. */
		hints.ai_family = AF_INET;
		r = getaddrinfo(NULL, colon + 1, &hints, &ai);
	}
	if (r) {
		cw_error_set(err, "bad --listen '%s': %s", spec,
			     gai_strerror(r));
		return -1;
	}
	*bad = false;
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
			    a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (a->ai_family == AF_INET6 && !host[0])
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				   sizeof(zero));
		if (!bind(fd, a->ai_addr, a->ai_addrlen) && !listen(fd, 64))
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		cw_error_set(err, "cannot listen on %s: %s", spec, strerror(e));
	return fd;
}

int cw_cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, OPT_LISTEN },
		SOURCE_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct serve sv = { .so = { .source = SRC_AUTO }, .by = CW_BY_TREE,
			    .lock = PTHREAD_MUTEX_INITIALIZER };
	const char *listen_spec = SERVE_DEFAULT_LISTEN, *why;
	struct MHD_Daemon *d;
	struct cw_error err;
	sigset_t stop;
	int opt, fd, sig;
	bool bad;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		if (cw_source_opt(opt, optarg, &sv.so, &why)) {
			if (why)
				return cw_usage_error("serve ", "%s", why);
			continue;
		}
		switch (opt) {
		case OPT_LISTEN:
			listen_spec = optarg;
			break;
		case OPT_BY:
			if (!cw_by_parse(optarg, &sv.by))
				return cw_usage_error("serve ", "unknown view '%s' (tree, total, netns, cgroup or container)",
						      optarg);
			break;
		case 'h':
			fputs(serve_usage, stdout);
			return CW_EXIT_OK;
		default:
			return cw_getopt_error("serve ", argv, opt);
		}
	}
	if (optind < argc)
		return cw_usage_error("serve ", "unexpected argument '%s'",
				      argv[optind]);
	why = cw_source_check(&sv.so);
	if (why)
		return cw_usage_error("serve ", "%s", why);
	if (sv.so.input && !strcmp(sv.so.input, "-"))
		return cw_usage_error("serve ", "--input -: standard input can be read once, a scrape comes again");

	fd = listen_on(listen_spec, &err, &bad);
	if (fd < 0 && bad)
		return cw_usage_error("serve ", "%s", err.msg);
	if (fd < 0) {
		cw_warn("%s", err.msg);
		return CW_EXIT_ERROR;
	}
	/* Every thread inherits the mask; the main one waits for these. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG,
			     0, NULL, NULL, on_request, &sv,
			     /* first, or libmicrohttpd logs its own way */
			     MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_LIMIT,
			     (unsigned int)SERVE_CONNECTIONS,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			     (unsigned int)SERVE_PER_IP,
			     MHD_OPTION_CONNECTION_TIMEOUT,
			     (unsigned int)SERVE_IDLE_SECONDS,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT,
			     (size_t)SERVE_HEADER_MEMORY,
			     MHD_OPTION_END);
	if (!d) {
		cw_warn("cannot start the HTTP server on %s", listen_spec);
		close(fd);
		return CW_EXIT_ERROR;
	}
	cw_note("serving /metrics on %s", listen_spec);
	while (sigwait(&stop, &sig))
		;
	/* It closes the listening socket too. */
	MHD_stop_daemon(d);
	return CW_EXIT_OK;
}
