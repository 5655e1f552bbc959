/*
 * The environment libfdt's headers expect (Debian's libfdt.h includes
 * <libfdt_env.h>), built from numbat's own headers so that the EL2 image
 * never reaches a libc header. Debian's own libfdt_env.h pulls in the host's
 * <stdlib.h>; this directory comes first on the include path instead.
 * libfdt.a needs no more than these declarations: the byte-order helpers are
 * inline and the string functions come from src/lib/string.c.
 */
#ifndef NUMBAT_LIBFDT_ENV_H
#define NUMBAT_LIBFDT_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"

/* The device tree is big-endian; numbat runs little-endian only. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "little-endian only");

typedef uint16_t fdt16_t;
typedef uint32_t fdt32_t;
typedef uint64_t fdt64_t;

static inline uint16_t fdt16_to_cpu(fdt16_t x) { return __builtin_bswap16(x); }
static inline fdt16_t cpu_to_fdt16(uint16_t x) { return __builtin_bswap16(x); }
static inline uint32_t fdt32_to_cpu(fdt32_t x) { return __builtin_bswap32(x); }
static inline fdt32_t cpu_to_fdt32(uint32_t x) { return __builtin_bswap32(x); }
static inline uint64_t fdt64_to_cpu(fdt64_t x) { return __builtin_bswap64(x); }
static inline fdt64_t cpu_to_fdt64(uint64_t x) { return __builtin_bswap64(x); }

#endif
