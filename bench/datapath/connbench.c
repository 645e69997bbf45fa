/* Connection benchmark tool for bench/datapath/steering.ts (built with clang at run time).
 *   connbench serve ADDR PORT [transparent]     accept() and close() forever (one thread per socket)
 *   connbench run ADDR PORT SECONDS THREADS     connect()+close(RST) in a loop; prints JSON
 * The client closes with SO_LINGER 0 (a reset), so no TIME_WAIT piles up on either side. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_storage dst;
static socklen_t dstlen;
static double seconds;
#define MAXLAT 4000000

struct worker {
	pthread_t t;
	long n, errors;
	float *lat; /* microseconds */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse(const char *a, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *s4 = (void *)ss;
	struct sockaddr_in6 *s6 = (void *)ss;
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof *s4;
		return AF_INET;
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof *s6;
		return AF_INET6;
	}
	fprintf(stderr, "bad address %s\n", a);
	exit(2);
}

static void *client(void *arg)
{
	struct worker *w = arg;
	double end = now() + seconds;
	struct linger lg = { 1, 0 };
	while (now() < end && w->n < MAXLAT) {
		int fd = socket(dst.ss_family, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		double t0 = now();
		if (connect(fd, (void *)&dst, dstlen) == 0)
			w->lat[w->n++] = (float)((now() - t0) * 1e6);
		else
			w->errors++;
		close(fd);
	}
	return NULL;
}

static int cmpf(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "serve")) {
		struct sockaddr_storage ss;
		socklen_t len;
		int fam = parse(argv[2], atoi(argv[3]), &ss, &len);
		int fd = socket(fam, SOCK_STREAM, 0), one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (argc >= 5 && !strcmp(argv[4], "transparent") &&
		    setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof one)) {
			perror("IP_TRANSPARENT");
			return 1;
		}
		if (bind(fd, (void *)&ss, len) || listen(fd, 4096)) {
			perror("bind/listen");
			return 1;
		}
		printf("ready\n");
		fflush(stdout);
		for (;;) {
			int c = accept(fd, NULL, NULL);
			if (c >= 0)
				close(c);
		}
	}
	if (argc >= 6 && !strcmp(argv[1], "run")) {
		parse(argv[2], atoi(argv[3]), &dst, &dstlen);
		seconds = atof(argv[4]);
		int threads = atoi(argv[5]);
		struct worker *w = calloc(threads, sizeof *w);
		double t0 = now();
		for (int i = 0; i < threads; i++) {
			w[i].lat = malloc(sizeof(float) * MAXLAT);
			pthread_create(&w[i].t, NULL, client, &w[i]);
		}
		long n = 0, errors = 0;
		for (int i = 0; i < threads; i++) {
			pthread_join(w[i].t, NULL);
			n += w[i].n;
			errors += w[i].errors;
		}
		double el = now() - t0;
		float *all = malloc(sizeof(float) * (n ? n : 1));
		long k = 0;
		for (int i = 0; i < threads; i++)
			for (long j = 0; j < w[i].n; j++)
				all[k++] = w[i].lat[j];
		qsort(all, n, sizeof(float), cmpf);
		printf("{\"conns\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"rate\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f}\n", n, errors, el,
		       n / el, n ? all[n / 2] : 0, n ? all[(long)(n * 0.99)] : 0);
		return 0;
	}
	fprintf(stderr, "usage: connbench serve ADDR PORT [transparent] | run ADDR PORT SECONDS THREADS\n");
	return 2;
}
