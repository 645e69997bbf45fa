// UDP request/response benchmark for bench/datapath/udp.ts.
//   udpbench serve ADDR PORT            answers each datagram with the same bytes, sent from the
//                                       address it arrived at (IP_PKTINFO, as Envoy's UDP listeners)
//   udpbench run HOST PORT SRC SECONDS THREADS
//                                       THREADS clients, each one datagram in flight (send, wait for
//                                       the answer, 200 ms timeout = lost, no retry); prints JSON:
//                                       {"rate":answers/s,"p50_us","p99_us","lost","wrong_source"}
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int serve(const char *addr, int port)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int one = 1;
	setsockopt(s, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, addr, &a.sin_addr);
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) {
		perror("bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	char buf[2048], cbuf[256];
	for (;;) {
		struct sockaddr_in peer;
		struct iovec iov = { buf, sizeof buf };
		struct msghdr m = { .msg_name = &peer, .msg_namelen = sizeof peer, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
		ssize_t n = recvmsg(s, &m, 0);
		if (n < 0)
			continue;
		struct in_addr dst = { 0 };
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
				dst = ((struct in_pktinfo *)CMSG_DATA(c))->ipi_addr;
		char obuf[CMSG_SPACE(sizeof(struct in_pktinfo))] = { 0 };
		iov.iov_len = n;
		struct msghdr o = { .msg_name = &peer, .msg_namelen = sizeof peer, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = obuf, .msg_controllen = sizeof obuf };
		struct cmsghdr *c = CMSG_FIRSTHDR(&o);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		((struct in_pktinfo *)CMSG_DATA(c))->ipi_spec_dst = dst;
		sendmsg(s, &o, 0);
	}
}

struct job {
	const char *host, *src;
	int port;
	double seconds;
	long answers, lost, wrong;
	double *lat;
	long nlat, cap;
};

static void *client(void *p)
{
	struct job *j = p;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in src = { .sin_family = AF_INET };
	inet_pton(AF_INET, j->src, &src.sin_addr);
	bind(s, (struct sockaddr *)&src, sizeof src);
	struct timeval tv = { 0, 200000 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(j->port) };
	inet_pton(AF_INET, j->host, &dst.sin_addr);
	double end = now_us() + j->seconds * 1e6;
	uint64_t seq = 0;
	while (now_us() < end) {
		uint64_t got = 0;
		seq++;
		double t0 = now_us();
		sendto(s, &seq, sizeof seq, 0, (struct sockaddr *)&dst, sizeof dst);
		for (;;) {
			struct sockaddr_in from;
			socklen_t fl = sizeof from;
			ssize_t n = recvfrom(s, &got, sizeof got, 0, (struct sockaddr *)&from, &fl);
			if (n < 0) {
				j->lost++;
				break;
			}
			if (got != seq)
				continue; /* a late answer to a lost request */
			if (from.sin_addr.s_addr != dst.sin_addr.s_addr || from.sin_port != dst.sin_port)
				j->wrong++;
			j->answers++;
			if (j->nlat == j->cap) {
				j->cap = j->cap ? j->cap * 2 : 65536;
				j->lat = realloc(j->lat, j->cap * sizeof(double));
			}
			j->lat[j->nlat++] = now_us() - t0;
			break;
		}
	}
	close(s);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return serve(argv[2], atoi(argv[3]));
	if (argc != 7 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: udpbench serve ADDR PORT | udpbench run HOST PORT SRC SECONDS THREADS\n");
		return 2;
	}
	int n = atoi(argv[6]);
	struct job *jobs = calloc(n, sizeof *jobs);
	pthread_t *th = calloc(n, sizeof *th);
	for (int i = 0; i < n; i++) {
		jobs[i] = (struct job){ .host = argv[2], .port = atoi(argv[3]), .src = argv[4], .seconds = atof(argv[5]) };
		pthread_create(&th[i], NULL, client, &jobs[i]);
	}
	long answers = 0, lost = 0, wrong = 0, nlat = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		answers += jobs[i].answers;
		lost += jobs[i].lost;
		wrong += jobs[i].wrong;
		nlat += jobs[i].nlat;
	}
	double *all = malloc((nlat ? nlat : 1) * sizeof(double));
	long k = 0;
	for (int i = 0; i < n; i++)
		for (long x = 0; x < jobs[i].nlat; x++)
			all[k++] = jobs[i].lat[x];
	qsort(all, nlat, sizeof(double), cmp);
	printf("{\"rate\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"lost\":%ld,\"wrong_source\":%ld}\n", answers / atof(argv[5]), nlat ? all[nlat / 2] : 0,
	       nlat ? all[(long)(nlat * 0.99)] : 0, lost, wrong);
	return 0;
}
