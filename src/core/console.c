/*
 * The console multiplexer: numbat's messages and every VM's output share
 * one terminal (the platform UART); what the user types goes to the VM
 * that has the input focus.
 *
 * Output. Each VM has a line buffer; a line is printed as "[vm] text"
 * when its newline comes (or when it is CONSOLE_LINE_MAX bytes long).
 * The focused VM's unfinished line is printed at once (shell prompts,
 * echo). The terminal's current line belongs to one source (term_owner);
 * another source first ends it with a newline, and a VM that continues a
 * line so broken prints its prefix and the whole line again.
 *
 * Fairness. out_lock (the UART) is a ticket lock, so waiters are served
 * in order, and it is held for at most one line at a time: a VM that
 * floods its UART gets one line out, then every pCPU already waiting gets
 * its turn. A VM's own line lock holds up only that VM (and a focus switch
 * to it, for one write at most). Input never depends on output: bytes go
 * from console_input to the focused VM's device under in_lock and the
 * device's locks, never out_lock; only the focus messages print, after
 * in_lock is dropped, waiting at most one line per pCPU queued before them.
 *
 * Ctrl-A m hands input to the operator's monitor (monitor.c) instead of
 * a VM: its command line is collected under in_lock, and a complete
 * command runs after in_lock is dropped, like the focus messages.
 *
 * Lock order: in_lock, then the console device's locks (which may take
 * the vGIC's and vm->lock); vm->lock, then lines[].lock, then out_lock.
 * Device models drop their locks before console_vm_write. numbat's IRQ
 * handler (console_uart_irq) never runs while its pCPU holds a lock.
 */
#include "core/console.h"

#include <stdarg.h>
#include <stdbool.h>

#include "core/monitor.h"
#include "core/spinlock.h"
#include "core/vm.h"
#include "lib/format.h"
#include "lib/string.h"
#include "plat.h"

#define CONSOLE_LINE_MAX  160  /* bytes of a VM line before it is printed anyway */
#define CONSOLE_RX_BATCH  64   /* bytes taken per UART interrupt; more re-raise it */
#define CONSOLE_MSG_MAX   192

#define TERM_NONE   (-1)       /* the cursor is at the start of a line */

/* Escape-sequence filter states of VM output. */
enum { ESC_NONE, ESC_SEEN, ESC_CSI };

struct console_line {
	spinlock_t lock;
	unsigned len;                    /* protected by lock, as are esc and buf */
	unsigned esc;
	char buf[CONSOLE_LINE_MAX + 4];  /* room for a 3-byte sequence past the limit */
};

static spinlock_t out_lock = SPINLOCK_INIT;
static int term_owner = TERM_NONE;   /* protected by out_lock: a VM id or TERM_* */
static unsigned term_shown;          /* protected by out_lock: bytes of the owner's line shown */

static struct console_line lines[CONFIG_MAX_VMS];

static spinlock_t in_lock = SPINLOCK_INIT;
static bool in_escape;               /* protected by in_lock: Ctrl-A seen */
static bool in_monitor;              /* protected by in_lock: input goes to the monitor */
static int focus = -1;               /* written under in_lock; read anywhere */

void console_write_unlocked(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			plat_uart_putc('\r');
		plat_uart_putc(s[i]);
	}
}

/* Ends the terminal's current line if another source left it unfinished. */
static void term_break(void)
{
	if (term_owner != TERM_NONE)
		console_write_unlocked("\n", 1);
	term_owner = TERM_NONE;
}

/*
 * One numbat message is one whole line, written under out_lock: messages
 * from several pCPUs never share a line, and one without its newline gets
 * one.
 */
void console_write(const char *s, size_t n)
{
	if (!n)
		return;
	spin_lock(&out_lock);
	term_break();
	console_write_unlocked(s, n);
	if (s[n - 1] != '\n')
		console_write_unlocked("\n", 1);
	spin_unlock(&out_lock);
}

void console_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_v(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, n);
}

/*
 * Shows what the terminal does not have yet of `vm`'s line (all of it,
 * after its prefix, if the terminal's line is not the VM's), then ends
 * the line if `end`. Caller holds l->lock.
 */
static void line_show(const struct vm *vm, const struct console_line *l, bool end)
{
	int id = (int)vm->id;

	spin_lock(&out_lock);
	if (term_owner != id) {
		term_break();
		console_write_unlocked("[", 1);
		console_write_unlocked(vm->cfg->name, strnlen(vm->cfg->name, CONFIG_NAME_MAX));
		console_write_unlocked("] ", 2);
		term_owner = id;
		term_shown = 0;
	}
	console_write_unlocked(l->buf + term_shown, l->len - term_shown);
	term_shown = l->len;
	if (end) {
		console_write_unlocked("\n", 1);
		term_owner = TERM_NONE;
	}
	spin_unlock(&out_lock);
}

/*
 * Adds one output byte to `l`, filtered: carriage returns and escape
 * sequences are dropped (erase to end of line, CSI J or K, is kept as
 * CSI K: shells use it for backspace), other non-printable bytes but tab
 * and backspace become '?'. Returns true at a newline. Caller holds l->lock.
 */
static bool line_add(struct console_line *l, char c)
{
	unsigned char u = (unsigned char)c;

	if (l->esc != ESC_NONE && u >= 0x20) {
		if (l->esc == ESC_SEEN) {    /* ESC, intermediates 0x20-0x2f, final */
			if (u == '[')
				l->esc = ESC_CSI;
			else if (u >= 0x30)
				l->esc = ESC_NONE;
		} else if (u >= 0x40) {      /* a CSI final byte */
			l->esc = ESC_NONE;
			if (u == 'J' || u == 'K') {
				memcpy(l->buf + l->len, "\033[K", 3);
				l->len += 3;
			}
		}
		return false;
	}
	l->esc = ESC_NONE;               /* a control byte ends a sequence */
	if (u == '\n')
		return true;
	if (u == 0x1b)
		l->esc = ESC_SEEN;
	else if (u != '\r')
		l->buf[l->len++] = (u >= 0x20 && u < 0x7f) || u == '\t' || u == '\b' ? c : '?';
	return false;
}

void console_vm_write(struct vm *vm, const char *s, size_t n)
{
	struct console_line *l = &lines[vm->id];

	spin_lock(&l->lock);
	for (size_t i = 0; i < n; i++) {
		if (line_add(l, s[i]) || l->len >= CONSOLE_LINE_MAX) {
			line_show(vm, l, true);
			l->len = 0;
		}
	}
	if (l->len && READ_ONCE(focus) == (int)vm->id)
		line_show(vm, l, false);
	spin_unlock(&l->lock);
}

void console_vm_reset(struct vm *vm)
{
	struct console_line *l = &lines[vm->id];

	spin_lock(&l->lock);
	if (l->len)
		line_show(vm, l, true);
	l->len = 0;
	l->esc = ESC_NONE;
	spin_unlock(&l->lock);
}

/* The device of `vm` that takes console input, or NULL. */
static struct vdev *input_device(struct vm *vm)
{
	if (vm->state == VM_NONE)
		return NULL;
	for (unsigned i = 0; i < vm->ndevs; i++)
		if (vm->devs[i].ops->input)
			return &vm->devs[i];
	return NULL;
}

static const char *focus_name(void)
{
	return focus >= 0 ? vms[focus].cfg->name : "no VM";
}

/* Gives the focused VM's device one byte (dropped if none or full). Holds in_lock. */
static void input_send(char c)
{
	struct vdev *dev;

	if (focus < 0)
		return;
	dev = input_device(&vms[focus]);
	if (dev)
		dev->ops->input(dev, (uint8_t)c);
}

/*
 * Moves the focus to VM `id` if it can take input; writes the message to
 * print into msg. Returns the message's length. Holds in_lock.
 */
static size_t input_switch(unsigned id, char *msg, size_t max)
{
	if (id >= vm_count)
		return format(msg, max, "numbat: console input: there is no VM %u; "
			      "input stays with %s\n", id, focus_name());
	if (!input_device(&vms[id]))
		return format(msg, max, "numbat: console input: vm %s has no UART; "
			      "input stays with %s\n", vms[id].cfg->name, focus_name());
	WRITE_ONCE(focus, (int)id);
	return format(msg, max, "numbat: console input: %s\n", vms[id].cfg->name);
}

/*
 * Decodes one typed byte; returns the length of a message to print, and
 * sets *cmd_ready when cmd holds a complete monitor command. Holds in_lock.
 */
static size_t input_decode(char c, char *msg, size_t max, bool *switched, char *cmd,
			   bool *cmd_ready)
{
	if (!in_escape) {
		if (c == CONSOLE_ESCAPE)
			in_escape = true;
		else if (in_monitor)
			*cmd_ready = monitor_key(c, cmd);
		else
			input_send(c);
		return 0;
	}
	in_escape = false;
	if (c >= '0' && c <= '9') {
		size_t n = input_switch((unsigned)(c - '0'), msg, max);

		*switched = focus == c - '0';
		in_monitor = in_monitor && !*switched;
		return n;
	}
	if (c == 'm') {
		in_monitor = true;
		return format(msg, max, "monitor: numbat's monitor; help lists the commands, "
			      "exit or Ctrl-A 0-9 goes back to a VM\n");
	}
	if (c == CONSOLE_ESCAPE && !in_monitor)
		input_send(c);
	else if (c == '?')
		return format(msg, max, "numbat: console: input goes to %s; Ctrl-A 0-9 sends it "
			      "to that VM, Ctrl-A m opens numbat's monitor, Ctrl-A Ctrl-A sends "
			      "Ctrl-A, Ctrl-A ? prints this\n",
			      in_monitor ? "the monitor" : focus_name());
	return 0;  /* Ctrl-A and anything else: ignored */
}

void console_input(char c)
{
	char msg[CONSOLE_MSG_MAX], cmd[MONITOR_LINE_MAX];
	bool switched = false, cmd_ready = false;
	struct vm *vm = NULL;
	size_t n;

	spin_lock(&in_lock);
	n = input_decode(c, msg, sizeof(msg), &switched, cmd, &cmd_ready);
	if (switched)
		vm = &vms[focus];
	spin_unlock(&in_lock);
	if (n)
		console_write(msg, n);
	if (cmd_ready && monitor_run(cmd)) {
		spin_lock(&in_lock);
		in_monitor = false;
		spin_unlock(&in_lock);
		console_printf("monitor: left; console input: %s\n", focus_name());
	}
	if (vm) {
		/* Show what the new focus printed meanwhile (a prompt, say). */
		struct console_line *l = &lines[vm->id];

		spin_lock(&l->lock);
		if (l->len)
			line_show(vm, l, false);
		spin_unlock(&l->lock);
	}
}

void console_uart_irq(void)
{
	for (unsigned i = 0; i < CONSOLE_RX_BATCH; i++) {
		int c = plat_uart_getc();

		if (c < 0)
			return;
		console_input((char)c);
	}
}

void console_start(void)
{
	int first = -1;

	for (unsigned id = 0; id < vm_count; id++)
		if (input_device(&vms[id])) {
			first = (int)id;
			break;
		}
	if (first < 0)
		return;
	spin_lock(&in_lock);
	WRITE_ONCE(focus, first);
	spin_unlock(&in_lock);
	pr_info("console input: %s; Ctrl-A then a VM number (0-9) switches, "
		"Ctrl-A ? for help\n", vms[first].cfg->name);
	for (unsigned id = 0; id < vm_count; id++)
		if (input_device(&vms[id]))
			pr_info("console %u: %s\n", id, vms[id].cfg->name);
}
