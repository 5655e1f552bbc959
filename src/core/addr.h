/*
 * Physical and guest-physical addresses are distinct types so that mixing
 * them up fails to compile.
 */
#ifndef CORE_ADDR_H
#define CORE_ADDR_H

#include <stdint.h>

typedef struct { uint64_t pa; } paddr_t;   /* host physical */
typedef struct { uint64_t ipa; } ipaddr_t; /* guest physical (stage-2 input) */

static inline paddr_t pa_init(uint64_t v) { return (paddr_t){ v }; }
static inline ipaddr_t ipa_init(uint64_t v) { return (ipaddr_t){ v }; }
static inline uint64_t pa_addr(paddr_t a) { return a.pa; }
static inline uint64_t ipa_addr(ipaddr_t a) { return a.ipa; }

/* numbat maps all RAM at EL2 with VA == PA. */
static inline void *pa_to_ptr(paddr_t a) { return (void *)(uintptr_t)a.pa; }

#endif
