/*
 * nbench: CPU-bound kernels in the MiBench spirit (MiBench itself is not in
 * Debian): SHA-256 (integer, security), qsort (memory, libc, branchy),
 * CRC32 (table lookups, telecomm), Dijkstra (network: an adjacency
 * matrix), string search (office: Boyer-Moore-Horspool). Each run works on
 * the same pseudo-random input, generated before the clock starts, and
 * folds its result into check=, which must be the same everywhere. A run
 * is a few hundred thousand to a few million instructions, so a timer tick
 * (about 4 ms) lands in many of them: what the hypervisor adds to an
 * interrupt shows, as it would in a real program.
 */
#include <stdlib.h>
#include <string.h>

#include "nbench.h"

#define DATA_BYTES 16384
#define SORT_N 4096
#define GRAPH_N 64
#define TEXT_BYTES 16384
#define PATTERNS 16

static uint8_t data[DATA_BYTES];
static uint32_t sort_src[SORT_N], sort_buf[SORT_N];
static uint32_t graph[GRAPH_N][GRAPH_N];
static char text[TEXT_BYTES + 1];

static uint64_t lcg_state;

static uint32_t lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(lcg_state >> 33);
}

static void fill(uint8_t *p, size_t n, uint64_t seed)
{
	lcg_state = seed;
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)lcg();
}

/* ---- SHA-256 (FIPS 180-4) ---- */

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, k;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; k = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
			      sha_k[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

		k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
	}
	h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

/* FIPS 180-4's one-block example: SHA-256("abc") begins ba7816bf, ends f20015ad. */
static int sha_known_answer(void)
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	uint8_t block[64] = { 'a', 'b', 'c', 0x80 };

	block[63] = 24;		/* the message length in bits */
	sha_block(h, block);
	return h[0] == 0xba7816bf && h[7] == 0xf20015ad;
}

/* SHA-256 of the 16 KiB buffer (a whole number of blocks, plus padding). */
void nb_sha(const char *name, uint64_t iters)
{
	uint64_t check = 0, t0;

	if (!sha_known_answer())
		nb_fail(name, "SHA-256(\"abc\") is wrong");
	fill(data, sizeof(data), 1);
	t0 = nb_now_ns();
	for (uint64_t it = 0; it < iters; it++) {
		uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
				  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
		uint8_t pad[64] = { 0x80 };
		uint64_t bits = (uint64_t)DATA_BYTES * 8;

		for (size_t off = 0; off < DATA_BYTES; off += 64)
			sha_block(h, data + off);
		for (int i = 0; i < 8; i++)
			pad[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
		sha_block(h, pad);
		check = check * 1000003u + ((uint64_t)h[0] << 32 | h[7]);
	}
	nb_report(name, nb_now_ns() - t0, iters, "ns/run", 1, check);
}

/* ---- qsort ---- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* libc qsort of 4096 random words; check folds a sample of the result. */
void nb_qsort(const char *name, uint64_t iters)
{
	uint64_t check = 0, t0;

	lcg_state = 2;
	for (int i = 0; i < SORT_N; i++)
		sort_src[i] = lcg();
	t0 = nb_now_ns();
	for (uint64_t it = 0; it < iters; it++) {
		memcpy(sort_buf, sort_src, sizeof(sort_buf));
		qsort(sort_buf, SORT_N, sizeof(sort_buf[0]), cmp_u32);
		check += sort_buf[0] ^ sort_buf[SORT_N / 2] ^ sort_buf[SORT_N - 1];
	}
	for (int i = 1; i < SORT_N; i++)
		if (sort_buf[i - 1] > sort_buf[i])
			nb_fail(name, "the result is not sorted");
	nb_report(name, nb_now_ns() - t0, iters, "ns/run", 1, check);
}

/* ---- CRC32 (IEEE 802.3, reflected, table-driven) ---- */

static uint32_t crc_table[256];

void nb_crc32(const char *name, uint64_t iters)
{
	uint64_t check = 0, t0;

	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	{	/* the CRC-32 check value: "123456789" gives 0xcbf43926 */
		uint32_t crc = 0xffffffffu;

		for (const char *p = "123456789"; *p; p++)
			crc = crc_table[(crc ^ (uint8_t)*p) & 0xff] ^ (crc >> 8);
		if (~crc != 0xcbf43926u)
			nb_fail(name, "CRC-32(\"123456789\") is wrong");
	}
	fill(data, sizeof(data), 3);
	t0 = nb_now_ns();
	for (uint64_t it = 0; it < iters; it++) {
		uint32_t crc = 0xffffffffu;

		for (size_t i = 0; i < DATA_BYTES; i++)
			crc = crc_table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
		check = check * 1000003u + ~crc;
	}
	nb_report(name, nb_now_ns() - t0, iters, "ns/run", 1, check);
}

/* ---- Dijkstra: all sources of a 64-node dense graph, O(N^2) each ---- */

static uint64_t dijkstra_from(int src)
{
	uint32_t dist[GRAPH_N];
	uint8_t done[GRAPH_N] = { 0 };
	uint64_t sum = 0;

	for (int i = 0; i < GRAPH_N; i++)
		dist[i] = UINT32_MAX;
	dist[src] = 0;
	for (int round = 0; round < GRAPH_N; round++) {
		int u = -1;

		for (int i = 0; i < GRAPH_N; i++)
			if (!done[i] && (u < 0 || dist[i] < dist[u]))
				u = i;
		if (dist[u] == UINT32_MAX)
			break;
		done[u] = 1;
		for (int v = 0; v < GRAPH_N; v++)
			if (graph[u][v] && dist[u] + graph[u][v] < dist[v])
				dist[v] = dist[u] + graph[u][v];
	}
	for (int i = 0; i < GRAPH_N; i++)
		sum += dist[i];
	return sum;
}

/* Bellman-Ford from src: the slow answer Dijkstra must agree with. */
static uint64_t bellman_ford_from(int src)
{
	uint64_t dist[GRAPH_N], sum = 0;

	for (int i = 0; i < GRAPH_N; i++)
		dist[i] = UINT32_MAX;
	dist[src] = 0;
	for (int round = 1; round < GRAPH_N; round++)
		for (int u = 0; u < GRAPH_N; u++)
			for (int v = 0; v < GRAPH_N; v++)
				if (graph[u][v] && dist[u] + graph[u][v] < dist[v])
					dist[v] = dist[u] + graph[u][v];
	for (int i = 0; i < GRAPH_N; i++)
		sum += dist[i];
	return sum;
}

void nb_dijkstra(const char *name, uint64_t iters)
{
	uint64_t check = 0, t0;

	lcg_state = 4;
	for (int i = 0; i < GRAPH_N; i++)
		for (int j = 0; j < GRAPH_N; j++)	/* a quarter of the edges missing */
			graph[i][j] = (i == j || lcg() % 4 == 0) ? 0 : 1 + lcg() % 100;
	for (int s = 0; s < GRAPH_N; s += 21)
		if (dijkstra_from(s) != bellman_ford_from(s))
			nb_fail(name, "Dijkstra disagrees with Bellman-Ford");
	t0 = nb_now_ns();
	for (uint64_t it = 0; it < iters; it++)
		for (int s = 0; s < GRAPH_N; s++)
			check += dijkstra_from(s);
	nb_report(name, nb_now_ns() - t0, iters, "ns/run", 1, check);
}

/* ---- string search: Boyer-Moore-Horspool, 16 patterns over 16 KiB ---- */

static uint64_t bmh_count(const char *pat, size_t m)
{
	size_t skip[256], pos = 0;
	uint64_t hits = 0;

	for (int i = 0; i < 256; i++)
		skip[i] = m;
	for (size_t i = 0; i + 1 < m; i++)
		skip[(uint8_t)pat[i]] = m - 1 - i;
	while (pos + m <= TEXT_BYTES) {
		size_t j = m - 1;

		while (text[pos + j] == pat[j] && j > 0)
			j--;
		if (j == 0 && text[pos] == pat[0])
			hits++;
		pos += skip[(uint8_t)text[pos + m - 1]];
	}
	return hits;
}

/* Occurrences of pat by brute force: what Horspool must find. */
static uint64_t naive_count(const char *pat, size_t m)
{
	uint64_t hits = 0;

	for (size_t pos = 0; pos + m <= TEXT_BYTES; pos++)
		hits += memcmp(text + pos, pat, m) == 0;
	return hits;
}

void nb_search(const char *name, uint64_t iters)
{
	static const char letters[] = "etaoinshrdlucmfw ";
	char pats[PATTERNS][8];
	uint64_t check = 0, t0;

	lcg_state = 5;
	for (int i = 0; i < TEXT_BYTES; i++)	/* English-like letter frequencies */
		text[i] = letters[lcg() % (lcg() % 2 ? 8 : sizeof(letters) - 1)];
	text[TEXT_BYTES] = 0;
	for (int p = 0; p < PATTERNS; p++) {	/* substrings of the text, 3-7 long */
		size_t at = lcg() % (TEXT_BYTES - 8), len = 3 + p % 5;

		memcpy(pats[p], text + at, len);
		pats[p][len] = 0;
		if (bmh_count(pats[p], len) != naive_count(pats[p], len))
			nb_fail(name, "Horspool disagrees with brute force");
	}
	t0 = nb_now_ns();
	for (uint64_t it = 0; it < iters; it++)
		for (int p = 0; p < PATTERNS; p++)
			check += bmh_count(pats[p], strlen(pats[p]));
	nb_report(name, nb_now_ns() - t0, iters, "ns/run", 1, check);
}
