/*
 * Host tests of the VMSAv8-64 4 KiB-granule table builder
 * (src/arch/aarch64/pgtable.c): start level and root concatenation, block
 * and page selection, overlap and range checks, block splitting on unmap,
 * table freeing, ENOMEM rollback and teardown, against a counting
 * allocator that can be told to fail.
 */
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "pgtable.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define PG  (4 * KIB)

/* Descriptor layout written out from the Arm ARM (D8.3), not pgtable.h. */
#define D_VALID  (1ull << 0)
#define D_TYPE   (1ull << 1)   /* 1 = table (levels 0-2) or page (level 3) */
#define D_AF     (1ull << 10)
#define D_OA     0x0000fffffffff000ull

/* Stage-2 attributes used by most tests: Normal WB, RW, execute-never. */
#define RW_XN (S2_MEMATTR_NORMAL_WB | S2_AP_R | S2_AP_W | S2_XN)
#define RX    (S2_MEMATTR_NORMAL_WB | S2_AP_R)

/* ---- A counting test allocator ------------------------------------- */

#define TA_MAX_BLOCKS 8192

struct talloc {
	unsigned allocs, frees, failed;   /* calls */
	unsigned pages_allocated, pages_freed;
	int budget;                       /* allocations left before NULL; <0: no limit */
	unsigned live;
	struct { uint64_t *p; unsigned pages; } blocks[TA_MAX_BLOCKS];
};

static struct talloc ta;
static struct pgtable pt;

/* Zeroed, size-aligned pages; NULL once the budget is used up. */
static uint64_t *ta_alloc(void *ctx, unsigned pages)
{
	struct talloc *a = ctx;
	size_t bytes = (size_t)pages * PG;
	uint64_t *p;

	ck_assert_ptr_eq(a, &ta);
	ck_assert_uint_ge(pages, 1);
	if (a->budget == 0) {
		a->failed++;
		return NULL;
	}
	if (a->budget > 0)
		a->budget--;
	p = aligned_alloc(bytes, bytes);
	ck_assert_ptr_nonnull(p);
	memset(p, 0xa5, bytes); /* scribble, then zero: catches stale reads */
	memset(p, 0, bytes);
	ck_assert_uint_lt(a->live, TA_MAX_BLOCKS);
	a->blocks[a->live].p = p;
	a->blocks[a->live].pages = pages;
	a->live++;
	a->allocs++;
	a->pages_allocated += pages;
	return p;
}

/* Frees a block; it must be live and freed with the size it was allocated with. */
static void ta_free(void *ctx, uint64_t *table, unsigned pages)
{
	struct talloc *a = ctx;
	unsigned i;

	for (i = 0; i < a->live; i++)
		if (a->blocks[i].p == table)
			break;
	ck_assert_msg(i < a->live, "free of %p, which is not allocated", (void *)table);
	ck_assert_uint_eq(a->blocks[i].pages, pages);
	a->blocks[i] = a->blocks[--a->live];
	a->frees++;
	a->pages_freed += pages;
	free(table);
}

/* The next n allocations succeed, every one after fails. */
static void ta_fail_after(int n)
{
	ta.budget = n;
}

static void pt_setup(unsigned ia_bits, bool stage2)
{
	memset(&ta, 0, sizeof(ta));
	ta.budget = -1;
	ck_assert_int_eq(pgtable_init(&pt, ia_bits, stage2, ta_alloc, ta_free, &ta), PT_OK);
}

/* Destroys the table and asserts every allocation was returned. */
static void pt_teardown(void)
{
	pgtable_destroy(&pt);
	ck_assert_ptr_null(pt.root);
	ck_assert_uint_eq(ta.live, 0);
	ck_assert_uint_eq(ta.allocs, ta.frees);
	ck_assert_uint_eq(ta.pages_allocated, ta.pages_freed);
}

/* ---- Independent walker and tree snapshot ----------------------------- */

static unsigned shift_of(unsigned level)
{
	return 12 + 9 * (3 - level);
}

/*
 * Walks the tables by hand (D8.2) and returns the slot holding va's leaf,
 * or NULL if the walk ends at an invalid descriptor. *level gets the leaf's level.
 */
static uint64_t *walk(uint64_t va, unsigned *level)
{
	uint64_t *table = pt.root;
	unsigned lvl, entries = 512 * pt.root_pages;

	for (lvl = pt.start_level; lvl <= 3; lvl++) {
		uint64_t *slot = &table[(va >> shift_of(lvl)) & (entries - 1)];

		if (!(*slot & D_VALID))
			return NULL;
		if (lvl == 3 || !(*slot & D_TYPE)) {
			*level = lvl;
			return slot;
		}
		table = (uint64_t *)(uintptr_t)(*slot & D_OA);
		entries = 512;
	}
	ck_abort_msg("walk fell off level 3");
	return NULL;
}

static uint64_t hash_table(const uint64_t *table, unsigned entries, unsigned level)
{
	uint64_t h = 1469598103934665603ull;

	for (unsigned i = 0; i < entries; i++) {
		uint64_t d = table[i];

		h = (h ^ d) * 1099511628211ull;
		h = (h ^ i) * 1099511628211ull;
		if ((d & D_VALID) && (d & D_TYPE) && level < 3)
			h = (h ^ hash_table((const uint64_t *)(uintptr_t)(d & D_OA),
					    512, level + 1)) * 1099511628211ull;
	}
	return h;
}

/* A fingerprint of every descriptor of every table reachable from the root. */
static uint64_t tree_hash(void)
{
	return hash_table(pt.root, 512 * pt.root_pages, pt.start_level);
}

/* Asserts va is mapped to pa at `level` with all of `attrs`. */
#define ASSERT_MAPPED(va_, pa_, level_, attrs_)                                   \
	do {                                                                       \
		uint64_t pa__ = 0, at__ = 0;                                       \
		unsigned lv__ = 99;                                                \
		ck_assert_msg(pgtable_lookup(&pt, (va_), &pa__, &at__, &lv__),     \
			      "va %#llx not mapped", (unsigned long long)(va_));   \
		ck_assert_msg(pa__ == (pa_), "va %#llx -> pa %#llx, want %#llx",   \
			      (unsigned long long)(va_), (unsigned long long)pa__, \
			      (unsigned long long)(pa_));                          \
		ck_assert_msg(lv__ == (level_), "va %#llx at level %u, want %u",   \
			      (unsigned long long)(va_), lv__, (unsigned)(level_));\
		ck_assert_msg((at__ & (attrs_)) == (attrs_),                       \
			      "va %#llx attrs %#llx lack %#llx",                   \
			      (unsigned long long)(va_), (unsigned long long)at__, \
			      (unsigned long long)(attrs_));                       \
	} while (0)

#define ASSERT_UNMAPPED(va_)                                                       \
	do {                                                                       \
		uint64_t pa__ = 0;                                                 \
		ck_assert_msg(!pgtable_lookup(&pt, (va_), &pa__, NULL, NULL),      \
			      "va %#llx mapped to %#llx",                          \
			      (unsigned long long)(va_), (unsigned long long)pa__);\
	} while (0)

/* ---- Start level and root ----------------------------------------- */

START_TEST(start_level_and_root_pages)
{
	static const struct { unsigned bits; bool s2; unsigned level, pages; } cases[] = {
		{ 40, true, 1, 2 },  { 32, true, 2, 4 },  { 34, true, 2, 16 },
		{ 35, true, 1, 1 },  { 39, true, 1, 1 },  { 42, true, 1, 8 },
		{ 43, true, 1, 16 }, { 44, true, 0, 1 },  { 48, true, 0, 1 },
		{ 30, true, 2, 1 },  { 25, true, 2, 1 },
		{ 39, false, 1, 1 }, { 48, false, 0, 1 }, { 40, false, 0, 1 },
		{ 30, false, 2, 1 }, { 31, false, 1, 1 }, { 25, false, 2, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(pgtable_start_level(cases[i].bits, cases[i].s2) == cases[i].level,
			      "%u bits stage%d: level %u, want %u", cases[i].bits,
			      cases[i].s2 ? 2 : 1,
			      pgtable_start_level(cases[i].bits, cases[i].s2), cases[i].level);
		pt_setup(cases[i].bits, cases[i].s2);
		ck_assert_uint_eq(pt.start_level, cases[i].level);
		ck_assert_msg(pt.root_pages == cases[i].pages, "%u bits stage%d: %u root pages, want %u",
			      cases[i].bits, cases[i].s2 ? 2 : 1, pt.root_pages, cases[i].pages);
		ck_assert_uint_eq(pt.ia_bits, cases[i].bits);
		ck_assert_uint_eq(ta.allocs, 1);
		ck_assert_uint_eq(ta.pages_allocated, cases[i].pages);
		ck_assert_uint_eq((uintptr_t)pt.root % (cases[i].pages * PG), 0);
		pt_teardown();
	}
}
END_TEST

START_TEST(init_rejects_bad_arguments)
{
	memset(&ta, 0, sizeof(ta));
	ta.budget = -1;
	ck_assert_int_eq(pgtable_init(&pt, 24, true, ta_alloc, ta_free, &ta), PT_EINVAL);
	ck_assert_int_eq(pgtable_init(&pt, 49, false, ta_alloc, ta_free, &ta), PT_EINVAL);
	ck_assert_int_eq(pgtable_init(&pt, 40, true, NULL, ta_free, &ta), PT_EINVAL);
	ck_assert_uint_eq(ta.allocs, 0);
	ta.budget = 0;
	ck_assert_int_eq(pgtable_init(&pt, 40, true, ta_alloc, ta_free, &ta), PT_ENOMEM);
	ck_assert_uint_eq(ta.failed, 1);
	ck_assert_uint_eq(ta.allocs, 0);
}
END_TEST

/* ---- Mapping ---------------------------------------------------------- */

START_TEST(map_page_then_lookup)
{
	const uint64_t va = 0x80001000, pa = 0x40002000;
	uint64_t *slot, got_pa = 0, attrs = 0;
	unsigned level = 99;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, va, pa, PG, RW_XN), PT_OK);
	ck_assert(pgtable_lookup(&pt, va + 0x123, &got_pa, &attrs, &level));
	ck_assert_uint_eq(got_pa, pa + 0x123);
	ck_assert_uint_eq(level, 3);
	ck_assert_uint_eq(attrs & RW_XN, RW_XN);
	ASSERT_MAPPED(va + 0xfff, pa + 0xfff, 3, RW_XN);
	/* NULL attrs/level pointers are allowed. */
	ck_assert(pgtable_lookup(&pt, va, &got_pa, NULL, NULL));
	ck_assert_uint_eq(got_pa, pa);
	ASSERT_UNMAPPED(va - PG);
	ASSERT_UNMAPPED(va + PG);
	ASSERT_UNMAPPED(va + 2 * MIB);
	ASSERT_UNMAPPED(0);

	/* The descriptor itself: page type, AF, OA, attributes incl. XN. */
	slot = walk(va, &level);
	ck_assert_ptr_nonnull(slot);
	ck_assert_uint_eq(level, 3);
	ck_assert_uint_eq(*slot & (D_VALID | D_TYPE), D_VALID | D_TYPE);
	ck_assert(*slot & D_AF);
	ck_assert_uint_eq(*slot & D_OA, pa);
	ck_assert_uint_eq(*slot & (3ull << 53), 2ull << 53);   /* XN[1:0] = 0b10 */
	ck_assert_uint_eq(*slot & (3ull << 6), 3ull << 6);     /* S2AP = RW */
	ck_assert_uint_eq(*slot & (0xfull << 2), 0xfull << 2); /* MemAttr */
	/* The walk went through table descriptors; one L2 and one L3 table. */
	ck_assert_uint_eq(pt.root[2] & (D_VALID | D_TYPE), D_VALID | D_TYPE);
	ck_assert_uint_eq(ta.allocs, 3);
	pt_teardown();
}
END_TEST

START_TEST(map_stage1_four_levels)
{
	const uint64_t va = 0x0000ab1234567000ull, pa = 0x89abc000;
	uint64_t *slot;
	unsigned level;

	pt_setup(48, false);
	ck_assert_uint_eq(pt.start_level, 0);
	ck_assert_int_eq(pgtable_map(&pt, va, pa, 2 * PG, S1_ATTRIDX(1) | S1_AP_RO | S1_XN),
			 PT_OK);
	ASSERT_MAPPED(va, pa, 3, S1_ATTRIDX(1) | S1_AP_RO | S1_XN);
	ASSERT_MAPPED(va + PG + 8, pa + PG + 8, 3, S1_ATTRIDX(1) | S1_AP_RO | S1_XN);
	ASSERT_UNMAPPED(va + 2 * PG);
	slot = walk(va, &level);
	ck_assert_ptr_nonnull(slot);
	ck_assert_uint_eq(*slot & (1ull << 54), 1ull << 54);
	ck_assert_uint_eq(*slot & (1ull << 7), 1ull << 7);
	ck_assert_uint_eq(*slot & (7ull << 2), 1ull << 2);
	ck_assert_uint_eq(ta.allocs, 4); /* root + L1 + L2 + L3 */
	/* Beyond 48 bits nothing is found. */
	ASSERT_UNMAPPED(va | (1ull << 48));
	pt_teardown();
}
END_TEST

START_TEST(map_2m_block)
{
	const uint64_t va = 0x40200000, pa = 0x80400000;
	uint64_t *slot;
	unsigned level;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, va, pa, 2 * MIB, RX), PT_OK);
	ASSERT_MAPPED(va, pa, 2, RX);
	ASSERT_MAPPED(va + 0x12345, pa + 0x12345, 2, RX);
	ASSERT_MAPPED(va + 2 * MIB - 1, pa + 2 * MIB - 1, 2, RX);
	ASSERT_UNMAPPED(va - PG);
	ASSERT_UNMAPPED(va + 2 * MIB);
	slot = walk(va, &level);
	ck_assert_uint_eq(level, 2);
	ck_assert_uint_eq(*slot & (D_VALID | D_TYPE), D_VALID); /* block */
	ck_assert(*slot & D_AF);
	ck_assert_uint_eq(*slot & D_OA, pa);
	ck_assert_uint_eq(*slot & (3ull << 53), 0); /* executable */
	ck_assert_uint_eq(ta.allocs, 2);            /* root + one L2 table */
	pt_teardown();
}
END_TEST

START_TEST(map_1g_block)
{
	const uint64_t va = 0x40000000, pa = 0xc0000000;
	uint64_t *slot;
	unsigned level;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, va, pa, GIB, RW_XN), PT_OK);
	ASSERT_MAPPED(va, pa, 1, RW_XN);
	ASSERT_MAPPED(va + GIB - 8, pa + GIB - 8, 1, RW_XN);
	ASSERT_UNMAPPED(va + GIB);
	ASSERT_UNMAPPED(va - 1 - 0xfff);
	slot = walk(va, &level);
	ck_assert_ptr_eq(slot, &pt.root[1]);
	ck_assert_uint_eq(*slot & (D_VALID | D_TYPE), D_VALID);
	ck_assert_uint_eq(*slot & D_OA, pa);
	ck_assert_uint_eq(ta.allocs, 1); /* the root only */
	pt_teardown();
}
END_TEST

/* Entries in the second page of a concatenated root are used. */
START_TEST(map_concatenated_root)
{
	const uint64_t top = 1ull << 40;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, top - GIB, 0x100000000ull, GIB, RX), PT_OK);
	ck_assert_int_eq(pgtable_map(&pt, top - 2 * GIB + 2 * MIB, 0x200000, 2 * MIB, RX), PT_OK);
	ck_assert_uint_eq(pt.root[1023] & (D_VALID | D_TYPE), D_VALID);
	ck_assert_uint_eq(pt.root[1023] & D_OA, 0x100000000ull);
	ck_assert_uint_eq(pt.root[1022] & (D_VALID | D_TYPE), D_VALID | D_TYPE);
	ck_assert_uint_eq(pt.root[511], 0);
	ASSERT_MAPPED(top - 1, 0x100000000ull + GIB - 1, 1, RX);
	ASSERT_MAPPED(top - 2 * GIB + 2 * MIB, 0x200000, 2, RX);
	ASSERT_UNMAPPED(top - 2 * GIB);
	pt_teardown();

	/* 32-bit stage 2: a level-2 root of 4 pages, 2048 entries. */
	pt_setup(32, true);
	ck_assert_int_eq(pgtable_map(&pt, 0xffe00000, 0x40000000, 2 * MIB, RX), PT_OK);
	ck_assert_uint_eq(pt.root[2047] & (D_VALID | D_TYPE), D_VALID);
	ASSERT_MAPPED(0xffffffff, 0x401fffff, 2, RX);
	ck_assert_int_eq(pgtable_map(&pt, 0xffe00000, 0x40000000, 2 * MIB, RX), PT_EEXIST);
	pt_teardown();
}
END_TEST

START_TEST(misaligned_pa_forces_pages)
{
	const uint64_t va = 0x40200000, pa = 0x80401000;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, va, pa, 2 * MIB, RW_XN), PT_OK);
	for (uint64_t off = 0; off < 2 * MIB; off += PG)
		ASSERT_MAPPED(va + off, pa + off, 3, RW_XN);
	ASSERT_UNMAPPED(va + 2 * MIB);
	pt_teardown();

	/* 1 GiB-aligned va, pa only 2 MiB aligned: 512 level-2 blocks. */
	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, GIB, 3 * GIB + 2 * MIB, GIB, RX), PT_OK);
	for (uint64_t off = 0; off < GIB; off += 2 * MIB) {
		ASSERT_MAPPED(GIB + off, 3 * GIB + 2 * MIB + off, 2, RX);
		ASSERT_MAPPED(GIB + off + 2 * MIB - PG, 3 * GIB + 4 * MIB + off - PG, 2, RX);
	}
	ck_assert_uint_eq(ta.allocs, 2);
	pt_teardown();
}
END_TEST

/*
 * Three pages below a 1 GiB boundary, a 1 GiB block, a 2 MiB block, five
 * pages: every page maps to va + delta at the expected level.
 */
START_TEST(map_mixed_range)
{
	const uint64_t va = GIB - 3 * PG, end = 2 * GIB + 2 * MIB + 5 * PG;
	const uint64_t delta = 4 * GIB;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, va, va + delta, end - va, RW_XN), PT_OK);
	ASSERT_UNMAPPED(va - PG);
	ASSERT_MAPPED(va, va + delta, 3, RW_XN);
	ASSERT_MAPPED(GIB - PG + 0xabc, GIB - PG + 0xabc + delta, 3, RW_XN);
	ASSERT_MAPPED(GIB, GIB + delta, 1, RW_XN);
	ASSERT_MAPPED(2 * GIB - 1, 2 * GIB - 1 + delta, 1, RW_XN);
	ASSERT_MAPPED(2 * GIB, 2 * GIB + delta, 2, RW_XN);
	ASSERT_MAPPED(2 * GIB + 2 * MIB - 1, 2 * GIB + 2 * MIB - 1 + delta, 2, RW_XN);
	ASSERT_MAPPED(2 * GIB + 2 * MIB, 2 * GIB + 2 * MIB + delta, 3, RW_XN);
	ASSERT_MAPPED(end - PG, end - PG + delta, 3, RW_XN);
	ASSERT_UNMAPPED(end);
	for (uint64_t a = va; a < end; a += PG) {
		unsigned want = a < GIB ? 3 : a < 2 * GIB ? 1 : a < 2 * GIB + 2 * MIB ? 2 : 3;

		ASSERT_MAPPED(a, a + delta, want, RW_XN);
	}
	pt_teardown();
}
END_TEST

/* ---- Refusals ----------------------------------------------------- */

START_TEST(overlap_refused_changes_nothing)
{
	const uint64_t blk = 0x40200000, pages = 0x80000000;
	static const struct { uint64_t va, size; } over[] = {
		{ 0x40200000, PG },                     /* first page of the block */
		{ 0x40200000 + 2 * MIB - PG, PG },      /* last page of the block */
		{ 0x40200000 + 0x10000, PG },           /* inside */
		{ 0x40000000, 4 * MIB },                /* covers it from below */
		{ 0x40200000 - PG, 2 * PG },            /* ends on its first page */
		{ 0x40000000, GIB },                    /* block-sized, covers it */
		{ 0x80000000 + 3 * PG, 3 * PG },        /* last page of the pages */
		{ 0x80000000 - PG, 2 * PG },            /* first page of the pages */
		/* Starts in a region with no tables yet, ends on a mapped page. */
		{ GIB - PG, 2 * MIB + 2 * PG },
		{ 0, 4 * GIB },                         /* everything */
	};
	uint64_t before;
	unsigned allocs;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, blk, 0x10000000, 2 * MIB, RX), PT_OK);
	ck_assert_int_eq(pgtable_map(&pt, pages, 0x20001000, 4 * PG, RW_XN), PT_OK);
	before = tree_hash();
	allocs = ta.allocs;
	for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
		/* pa offset by one page so the builder would want page tables. */
		int err = pgtable_map(&pt, over[i].va, 0x30001000, over[i].size, RX);

		ck_assert_msg(err == PT_EEXIST, "case %zu: %d, want PT_EEXIST", i, err);
		ck_assert_msg(tree_hash() == before, "case %zu changed the tables", i);
		ck_assert_uint_eq(ta.allocs, allocs);
		ck_assert_uint_eq(ta.live, allocs);
	}
	ASSERT_MAPPED(blk + 0x10000, 0x10010000, 2, RX);
	ASSERT_MAPPED(pages + 3 * PG, 0x20004000, 3, RW_XN);
	ASSERT_UNMAPPED(pages - PG);
	ASSERT_UNMAPPED(pages + 4 * PG);
	ASSERT_UNMAPPED(GIB - PG);
	ck_assert_uint_eq(pt.root[0], 0);
	/* Adjacent ranges are fine. */
	ck_assert_int_eq(pgtable_map(&pt, pages + 4 * PG, 0x50000000, PG, RX), PT_OK);
	ck_assert_int_eq(pgtable_map(&pt, blk - PG, 0x50001000, PG, RX), PT_OK);
	ck_assert_int_eq(pgtable_map(&pt, blk + 2 * MIB, 0x50200000, 2 * MIB, RX), PT_OK);
	ASSERT_MAPPED(blk + 2 * MIB, 0x50200000, 2, RX);
	pt_teardown();
}
END_TEST

START_TEST(invalid_ranges_refused)
{
	const uint64_t top = 1ull << 40;
	static const struct { uint64_t va, pa, size; } bad[] = {
		{ 0x1001, 0x1000, PG },                  /* va misaligned */
		{ 0x1000, 0x1800, PG },                  /* pa misaligned */
		{ 0x1000, 0x1000, 0x1800 },              /* size misaligned */
		{ 0x1000, 0x1000, 0 },                   /* empty */
		{ (1ull << 40) - PG, 0x1000, 2 * PG },   /* ends beyond 40 bits */
		{ 1ull << 40, 0x1000, PG },              /* starts beyond */
		{ 0xfffffffffffff000ull, 0x1000, PG },   /* far beyond */
		{ 0x1000, 0x1000, 0xfffffffffffff000ull },  /* va + size wraps */
		{ 0x2000, 0x1000, 0xffffffffffffe000ull },  /* va + size == 2^64 */
		{ 0x1000, 1ull << 48, PG },              /* pa beyond 48 bits */
		{ 0x1000, (1ull << 48) - PG, 2 * PG },   /* pa + size beyond 48 bits */
		{ 0x1000, 0xfffffffffffff000ull, 2 * PG },  /* pa + size wraps */
	};
	uint64_t before;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, 0x200000, 0x200000, 2 * MIB, RX), PT_OK);
	before = tree_hash();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = pgtable_map(&pt, bad[i].va, bad[i].pa, bad[i].size, RX);

		ck_assert_msg(err == PT_EINVAL, "map case %zu: %d, want PT_EINVAL", i, err);
		ck_assert_msg(tree_hash() == before, "map case %zu changed the tables", i);
	}
	ck_assert_int_eq(pgtable_unmap(&pt, 0x200001, PG), PT_EINVAL);
	ck_assert_int_eq(pgtable_unmap(&pt, 0x200000, 0x800), PT_EINVAL);
	ck_assert_int_eq(pgtable_unmap(&pt, 0x200000, 0), PT_EINVAL);
	ck_assert_int_eq(pgtable_unmap(&pt, top - PG, 2 * PG), PT_EINVAL);
	ck_assert_int_eq(pgtable_unmap(&pt, top, PG), PT_EINVAL);
	ck_assert_int_eq(pgtable_unmap(&pt, 0x200000, 0xfffffffffffff000ull), PT_EINVAL);
	ck_assert(tree_hash() == before);
	ck_assert_uint_eq(ta.allocs, 2);
	/* The last page below the limit is valid. */
	ck_assert_int_eq(pgtable_map(&pt, top - PG, 0x1000, PG, RX), PT_OK);
	ASSERT_MAPPED(top - 1, 0x1fff, 3, RX);
	ASSERT_UNMAPPED(top);
	ck_assert_int_eq(pgtable_unmap(&pt, top - PG, PG), PT_OK);
	pt_teardown();
}
END_TEST

/* The highest page and 2 MiB block of the 48-bit output space can be mapped. */
START_TEST(map_top_of_pa_space)
{
	const uint64_t pa_top = 1ull << 48;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, 0x1000, pa_top - PG, PG, RX), PT_OK);
	ASSERT_MAPPED(0x1fff, pa_top - 1, 3, RX);
	ck_assert_int_eq(pgtable_map(&pt, 0x400000, pa_top - 2 * MIB, 2 * MIB, RX), PT_OK);
	ASSERT_MAPPED(0x5fffff, pa_top - 1, 2, RX);
	pt_teardown();
}
END_TEST

/* ---- Unmapping ---------------------------------------------------- */

START_TEST(unmap_page_splits_2m_block)
{
	const uint64_t va = 0x40200000, pa = 0x80400000, hole = va + 0x5000;
	uint64_t attrs = 0, want_attrs, p;
	uint64_t *slot;
	unsigned level;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, va, pa, 2 * MIB, RW_XN), PT_OK);
	ck_assert(pgtable_lookup(&pt, va, &p, &want_attrs, NULL));
	ck_assert_uint_eq(ta.allocs, 2);
	ck_assert_int_eq(pgtable_unmap(&pt, hole, PG), PT_OK);
	ck_assert_uint_eq(ta.allocs, 3); /* one level-3 table */
	ASSERT_UNMAPPED(hole);
	ASSERT_UNMAPPED(hole + PG - 1);
	for (uint64_t off = 0; off < 2 * MIB; off += PG) {
		if (va + off == hole)
			continue;
		ASSERT_MAPPED(va + off, pa + off, 3, RW_XN);
		ck_assert(pgtable_lookup(&pt, va + off, &p, &attrs, NULL));
		ck_assert_uint_eq(attrs, want_attrs);
		slot = walk(va + off, &level);
		ck_assert_uint_eq(*slot & (D_VALID | D_TYPE | D_AF), D_VALID | D_TYPE | D_AF);
	}
	ASSERT_UNMAPPED(va + 2 * MIB);
	ASSERT_UNMAPPED(va - PG);
	pt_teardown();
}
END_TEST

START_TEST(unmap_page_splits_1g_block)
{
	const uint64_t va = GIB, pa = 2 * GIB, hole = GIB + 7 * MIB;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, va, pa, GIB, RW_XN), PT_OK);
	ck_assert_int_eq(pgtable_unmap(&pt, hole, PG), PT_OK);
	ck_assert_uint_eq(ta.allocs, 3); /* level-2 and level-3 tables */
	ASSERT_UNMAPPED(hole);
	ASSERT_MAPPED(hole - PG, pa + 7 * MIB - PG, 3, RW_XN);
	ASSERT_MAPPED(hole + PG, pa + 7 * MIB + PG, 3, RW_XN);
	ASSERT_MAPPED(hole - MIB, pa + 6 * MIB, 3, RW_XN);
	ASSERT_MAPPED(hole + MIB - PG, pa + 8 * MIB - PG, 3, RW_XN);
	ASSERT_MAPPED(hole - MIB - PG, pa + 6 * MIB - PG, 2, RW_XN);
	ASSERT_MAPPED(hole + MIB, pa + 8 * MIB, 2, RW_XN);
	ASSERT_MAPPED(va, pa, 2, RW_XN);
	ASSERT_MAPPED(va + GIB - 1, pa + GIB - 1, 2, RW_XN);
	for (uint64_t off = 0; off < GIB; off += 2 * MIB)
		if (va + off != 6 * MIB + GIB)
			ASSERT_MAPPED(va + off + MIB, pa + off + MIB, 2, RW_XN);
	pt_teardown();
}
END_TEST

/* Unmapping the middle of a multi-page range keeps both ends. */
START_TEST(unmap_partial_range)
{
	const uint64_t va = 0x10000000, pa = 0x90000000;

	pt_setup(39, false);
	ck_assert_int_eq(pgtable_map(&pt, va, pa, 6 * MIB, S1_ATTRIDX(0)), PT_OK);
	ck_assert_int_eq(pgtable_unmap(&pt, va + MIB, 4 * MIB), PT_OK);
	ASSERT_MAPPED(va, pa, 3, 0);
	ASSERT_MAPPED(va + MIB - PG, pa + MIB - PG, 3, 0);
	ASSERT_UNMAPPED(va + MIB);
	ASSERT_UNMAPPED(va + 3 * MIB);
	ASSERT_UNMAPPED(va + 5 * MIB - PG);
	ASSERT_MAPPED(va + 5 * MIB, pa + 5 * MIB, 3, 0);
	ASSERT_MAPPED(va + 6 * MIB - PG, pa + 6 * MIB - PG, 3, 0);
	pt_teardown();
}
END_TEST

START_TEST(unmap_frees_empty_tables)
{
	const uint64_t va = 0x80000000 - 2 * PG; /* straddles 1 GiB and 2 MiB */
	uint64_t before;

	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, 0x200000, 0x200000, PG, RX), PT_OK);
	before = tree_hash();
	ck_assert_uint_eq(ta.live, 3);
	ck_assert_int_eq(pgtable_map(&pt, va, 0x1000, 4 * PG, RX), PT_OK);
	ck_assert_uint_eq(ta.live, 7); /* two L2 and two L3 tables */
	ck_assert_int_eq(pgtable_unmap(&pt, va, 4 * PG), PT_OK);
	ck_assert_uint_eq(ta.frees, 4);
	ck_assert_uint_eq(ta.live, 3);
	ck_assert_uint_eq(pt.root[1], 0);
	ck_assert_uint_eq(pt.root[2], 0);
	for (uint64_t a = va; a < va + 4 * PG; a += PG)
		ASSERT_UNMAPPED(a);
	ck_assert(tree_hash() == before);

	/* Unmapping part of a table's pages keeps the table. */
	ck_assert_int_eq(pgtable_map(&pt, 0x400000, 0x1000, 3 * PG, RX), PT_OK);
	ck_assert_int_eq(pgtable_unmap(&pt, 0x400000, PG), PT_OK);
	ck_assert_uint_eq(ta.live, 4);
	ASSERT_MAPPED(0x401000, 0x2000, 3, RX);

	/* A block's slot is simply cleared; its table goes with the last page. */
	ck_assert_int_eq(pgtable_map(&pt, 0x40000000, 0x40000000, GIB, RX), PT_OK);
	ck_assert_int_eq(pgtable_unmap(&pt, 0x40000000, GIB), PT_OK);
	ck_assert_uint_eq(pt.root[1], 0);
	ck_assert_int_eq(pgtable_unmap(&pt, 0, GIB), PT_OK);
	ck_assert_uint_eq(pt.root[0], 0);
	ck_assert_uint_eq(ta.live, 1);
	pt_teardown();
}
END_TEST

START_TEST(unmap_holes_is_fine)
{
	uint64_t before;

	pt_setup(40, true);
	/* Nothing mapped at all. */
	ck_assert_int_eq(pgtable_unmap(&pt, 0, 1ull << 40), PT_OK);
	ck_assert_uint_eq(ta.allocs, 1);
	ck_assert_int_eq(pgtable_map(&pt, 0x200000, 0x1000, PG, RX), PT_OK);
	before = tree_hash();
	/* A hole in an existing table and a hole with no table. */
	ck_assert_int_eq(pgtable_unmap(&pt, 0x201000, 16 * PG), PT_OK);
	ck_assert_int_eq(pgtable_unmap(&pt, 0x40000000, 4 * MIB), PT_OK);
	ck_assert(tree_hash() == before);
	ck_assert_uint_eq(ta.allocs, 3);
	ck_assert_uint_eq(ta.frees, 0);
	/* A range of holes and mappings, not aligned to any block. */
	ck_assert_int_eq(pgtable_map(&pt, 0x400000, 0x800000, 4 * MIB, RX), PT_OK);
	ck_assert_int_eq(pgtable_unmap(&pt, 0x1ff000, 0x402000), PT_OK);
	ASSERT_UNMAPPED(0x200000);
	ASSERT_UNMAPPED(0x400000);
	ASSERT_UNMAPPED(0x600000);
	ASSERT_MAPPED(0x601000, 0xa01000, 3, RX);
	pt_teardown();
}
END_TEST

/* ---- Out of memory ------------------------------------------------ */

/*
 * A map that needs six tables (two L2, four L3) fails at each allocation
 * in turn: PT_ENOMEM, and none of the range remains mapped.
 */
START_TEST(map_enomem_rolls_back)
{
	const uint64_t va = GIB - 2 * MIB - PG, size = 2 * MIB + 2 * PG + 2 * MIB;

	for (int n = 0; n < 6; n++) {
		pt_setup(40, true);
		ck_assert_int_eq(pgtable_map(&pt, 3 * GIB, 0x1000, PG, RX), PT_OK);
		ta_fail_after(n);
		ck_assert_int_eq(pgtable_map(&pt, va, 0x1000, size, RX), PT_ENOMEM);
		ck_assert_uint_eq(ta.failed, 1);
		for (uint64_t a = va; a < va + size; a += PG)
			ck_assert_msg(!pgtable_lookup(&pt, a, &(uint64_t){ 0 }, NULL, NULL),
				      "budget %d: %#llx still mapped", n, (unsigned long long)a);
		ASSERT_MAPPED(3 * GIB, 0x1000, 3, RX);
		ta_fail_after(-1);
		ck_assert_int_eq(pgtable_map(&pt, va, 0x1000, size, RX), PT_OK);
		ASSERT_MAPPED(va + size - PG, 0x1000 + size - PG, 3, RX);
		pt_teardown();
	}
}
END_TEST

/* After a failed map, no table it allocated is left behind. */
START_TEST(map_enomem_frees_new_tables)
{
	const uint64_t va = GIB - 2 * MIB - PG, size = 2 * MIB + 2 * PG + 2 * MIB;

	for (int n = 0; n < 6; n++) {
		uint64_t before;
		unsigned live;

		pt_setup(40, true);
		ck_assert_int_eq(pgtable_map(&pt, 3 * GIB, 0x1000, PG, RX), PT_OK);
		before = tree_hash();
		live = ta.live;
		ta_fail_after(n);
		ck_assert_int_eq(pgtable_map(&pt, va, 0x1000, size, RX), PT_ENOMEM);
		ck_assert_msg(ta.live == live, "budget %d: %u tables live, want %u", n,
			      ta.live, live);
		ck_assert_msg(tree_hash() == before, "budget %d: tables changed", n);
		pt_teardown();
	}
}
END_TEST

/*
 * A failed map followed by a block map over the same region: every table
 * is still reachable, so destroy returns all of them.
 */
START_TEST(map_enomem_then_block_no_leak)
{
	pt_setup(40, true);
	ta_fail_after(1); /* the L2 table, not the L3 one */
	ck_assert_int_eq(pgtable_map(&pt, GIB, 0x1000, PG, RX), PT_ENOMEM);
	ASSERT_UNMAPPED(GIB);
	ta_fail_after(-1);
	ck_assert_int_eq(pgtable_map(&pt, GIB, 0x40000000, GIB, RX), PT_OK);
	ASSERT_MAPPED(GIB, 0x40000000, 1, RX);
	pt_teardown();
}
END_TEST

START_TEST(unmap_split_enomem)
{
	pt_setup(40, true);
	ck_assert_int_eq(pgtable_map(&pt, 0x200000, 0x400000, 2 * MIB, RX), PT_OK);
	ta_fail_after(0);
	ck_assert_int_eq(pgtable_unmap(&pt, 0x201000, PG), PT_ENOMEM);
	/* The block could not be split, so it is still whole. */
	ASSERT_MAPPED(0x201000, 0x401000, 2, RX);
	ta_fail_after(-1);
	pt_teardown();
}
END_TEST

/* ---- Teardown ----------------------------------------------------- */

START_TEST(destroy_frees_everything)
{
	pt_setup(40, true);
	ck_assert_uint_eq(ta.pages_allocated, 2);
	ck_assert_int_eq(pgtable_map(&pt, GIB - 3 * PG, 5 * GIB - 3 * PG,
				     GIB + 2 * MIB + 8 * PG, RW_XN), PT_OK);
	ck_assert_int_eq(pgtable_map(&pt, 0x100000000ull, 0x1000, 4 * MIB, RX), PT_OK);
	ck_assert_int_eq(pgtable_map(&pt, (1ull << 40) - GIB, 0, GIB, RX), PT_OK);
	ck_assert_int_eq(pgtable_unmap(&pt, GIB + 5 * MIB, PG), PT_OK);
	ck_assert_int_eq(pgtable_unmap(&pt, (1ull << 40) - MIB, PG), PT_OK);
	ck_assert_uint_gt(ta.live, 8);
	pt_teardown();
	ck_assert_uint_eq(ta.pages_freed, ta.pages_allocated);

	/* Also on a 4-level stage-1 table. */
	pt_setup(48, false);
	ck_assert_int_eq(pgtable_map(&pt, 0x7fff00000000ull, 0x1000, 3 * MIB, S1_XN), PT_OK);
	ck_assert_int_eq(pgtable_map(&pt, 0x1000, 0x1000, PG, S1_XN), PT_OK);
	pt_teardown();
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("pgtable");

	HOST_TEST(s, start_level_and_root_pages);
	HOST_TEST(s, init_rejects_bad_arguments);
	HOST_TEST(s, map_page_then_lookup);
	HOST_TEST(s, map_stage1_four_levels);
	HOST_TEST(s, map_2m_block);
	HOST_TEST(s, map_1g_block);
	HOST_TEST(s, map_concatenated_root);
	HOST_TEST(s, misaligned_pa_forces_pages);
	HOST_TEST(s, map_mixed_range);
	HOST_TEST(s, overlap_refused_changes_nothing);
	HOST_TEST(s, invalid_ranges_refused);
	HOST_TEST(s, map_top_of_pa_space);
	HOST_TEST(s, unmap_page_splits_2m_block);
	HOST_TEST(s, unmap_page_splits_1g_block);
	HOST_TEST(s, unmap_partial_range);
	HOST_TEST(s, unmap_frees_empty_tables);
	HOST_TEST(s, unmap_holes_is_fine);
	HOST_TEST(s, map_enomem_rolls_back);
	HOST_TEST(s, map_enomem_frees_new_tables);
	HOST_TEST(s, map_enomem_then_block_no_leak);
	HOST_TEST(s, unmap_split_enomem);
	HOST_TEST(s, destroy_frees_everything);
}
