/*
 * The operator's monitor on numbat's console (monitor.c): entered with
 * Ctrl-A m, one command a line. The console (console.c) feeds it typed
 * bytes under its input lock and runs each complete line after dropping
 * it, in the UART interrupt on pCPU 0.
 */
#ifndef CORE_MONITOR_H
#define CORE_MONITOR_H

#include <stdbool.h>

#define MONITOR_LINE_MAX 64   /* bytes of a command, NUL included */

/*
 * Adds one typed byte to the command line (backspace edits it; other
 * control bytes are dropped). At a newline copies the line, NUL
 * terminated, to cmd (MONITOR_LINE_MAX bytes) and returns true.
 * Caller holds the console's input lock.
 */
bool monitor_key(char c, char *cmd);

/*
 * Runs one command line; prints its answer as "monitor: " lines.
 * Returns true if the operator asked to leave the monitor. No lock held.
 */
bool monitor_run(const char *cmd);

#endif
