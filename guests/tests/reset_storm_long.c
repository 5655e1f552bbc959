/*
 * reset_storm.c from the start, for 120 s: long enough for a Linux VM
 * beside it to boot and answer commands (attack-reset-storm-linux).
 */
#define STORM_START_MS 0
#define STORM_END_MS   120000
#include "reset_storm.c"
