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
 * Asynchronous output. Nothing waits for the UART: whole lines go into
 * an output ring under out_lock (a copy, held for one line at a time),
 * and whoever finds the transmitter free moves at most CONSOLE_DRAIN_MAX
 * bytes from the ring to the UART's FIFO, as far as it has room. Bytes
 * left over are sent from the UART's transmit interrupt. A pCPU so never
 * spends more than a line's copy and one bounded drain on the console
 * with interrupts masked, however slow the UART (87 us a byte at 115200
 * baud) and however many VMs print. When the ring is full, output is
 * dropped and the loss reported in a line of its own. The panic path and
 * power off flush the ring, polled (console_power_off).
 *
 * Fairness. out_lock is a ticket lock, so waiters are served in order,
 * and it is held for at most one line at a time: a VM that floods its
 * UART gets one line out, then every pCPU already waiting gets its turn. A VM's own line lock holds up only that VM (and a focus switch
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
#define CONSOLE_RING      16384  /* bytes of output waiting for the UART; a power of two */
#define CONSOLE_DRAIN_MAX 256    /* bytes one drain moves to the UART */

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

/*
 * The output ring: bytes [ring_tail, ring_head) wait for the UART (free
 * running indices). ring_head and ring_lost are written under out_lock;
 * ring_tail only by the drainer, the pCPU that set `draining`. Invariant:
 * while the ring holds bytes, a drainer is at work (and looks again
 * after it lets go) or the UART's transmit interrupt is unmasked.
 */
static char ring[CONSOLE_RING];
static uint32_t ring_head, ring_tail;
static uint32_t ring_lost;           /* bytes dropped since the last notice */
static bool draining;
static bool tx_irq_ok;               /* the UART's interrupt reaches numbat */

static struct console_line lines[CONFIG_MAX_VMS];

static spinlock_t in_lock = SPINLOCK_INIT;
static bool in_escape;               /* protected by in_lock: Ctrl-A seen */
static bool in_monitor;              /* protected by in_lock: input goes to the monitor */
static int focus = -1;               /* written under in_lock; read anywhere */

/*
 * Moves up to `budget` bytes from the ring to the UART, never waiting for
 * room; returns at once if another pCPU is draining (it looks at the ring
 * again after it lets go, so nothing written before that is stranded).
 * With no UART interrupt, everything is sent, polled, as there is nobody
 * to send the rest later.
 */
static void drain(unsigned budget)
{
	while (!__atomic_exchange_n(&draining, true, __ATOMIC_SEQ_CST)) {
		uint32_t tail = ring_tail, head = __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE);

		for (; tail != head && (!tx_irq_ok || (budget && plat_uart_tx_room())); tail++) {
			if (tx_irq_ok)
				plat_uart_tx(ring[tail % CONSOLE_RING]);
			else
				plat_uart_putc(ring[tail % CONSOLE_RING]);
			budget -= budget ? 1 : 0;
		}
		__atomic_store_n(&ring_tail, tail, __ATOMIC_RELEASE);
		if (tx_irq_ok && tail == head)
			plat_uart_tx_irq(false);
		__atomic_store_n(&draining, false, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&ring_head, __ATOMIC_SEQ_CST) == tail)
			return;
		if (!budget || !plat_uart_tx_room()) {
			plat_uart_tx_irq(true);  /* the interrupt sends the rest */
			return;
		}
	}
}

/* Sends everything in the ring, polled; `force`: even if a drainer holds it. */
static void flush(bool force)
{
	for (unsigned spins = 0; !force && __atomic_load_n(&draining, __ATOMIC_ACQUIRE); spins++)
		if (spins > 10000000)
			force = true;   /* a drainer that never lets go: a stopped pCPU */
	for (uint32_t t = ring_tail; t != __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE); t++) {
		plat_uart_putc(ring[t % CONSOLE_RING]);
		__atomic_store_n(&ring_tail, t + 1, __ATOMIC_RELEASE);
	}
}

void console_power_off(void)
{
	flush(false);
	plat_uart_wait_idle();
	arch_system_off();
}

void console_uart_irq_on(void)
{
	plat_uart_enable_rx_irq();
	__atomic_store_n(&tx_irq_ok, true, __ATOMIC_SEQ_CST);
}

void console_write_unlocked(const char *s, size_t n)
{
	flush(true);   /* what was printed before stays before */
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			plat_uart_putc('\r');
		plat_uart_putc(s[i]);
	}
}

/* Adds bytes to the ring, '\n' as "\r\n"; all or nothing. Holds out_lock. */
static void out_put(const char *s, size_t n)
{
	uint32_t head = ring_head, room = CONSOLE_RING - (head - __atomic_load_n(&ring_tail, __ATOMIC_ACQUIRE));
	size_t need = n;

	for (size_t i = 0; i < n; i++)
		need += s[i] == '\n';
	if (need > room) {
		ring_lost += (uint32_t)n;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			ring[head++ % CONSOLE_RING] = '\r';
		ring[head++ % CONSOLE_RING] = s[i];
	}
	__atomic_store_n(&ring_head, head, __ATOMIC_SEQ_CST);
}

/* Ends the terminal's current line if another source left it unfinished. */
static void term_break(void)
{
	if (term_owner != TERM_NONE)
		out_put("\n", 1);
	term_owner = TERM_NONE;
}

/*
 * Starts a locked section of output: if output was lost since the last
 * notice, says how much in a line of its own (once the ring has room).
 * Holds out_lock.
 */
static void out_begin(void)
{
	char msg[80];
	size_t n;

	if (!ring_lost)
		return;
	term_break();
	n = format(msg, sizeof(msg), "numbat: console: %u bytes of output lost "
		   "(more than the UART could take)\n", ring_lost);
	ring_lost = 0;
	out_put(msg, n);
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
	out_begin();
	term_break();
	out_put(s, n);
	if (s[n - 1] != '\n')
		out_put("\n", 1);
	spin_unlock(&out_lock);
	drain(CONSOLE_DRAIN_MAX);
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
	out_begin();
	if (term_owner != id) {
		term_break();
		out_put("[", 1);
		out_put(vm->cfg->name, strnlen(vm->cfg->name, CONFIG_NAME_MAX));
		out_put("] ", 2);
		term_owner = id;
		term_shown = 0;
	}
	out_put(l->buf + term_shown, l->len - term_shown);
	term_shown = l->len;
	if (end) {
		out_put("\n", 1);
		term_owner = TERM_NONE;
	}
	spin_unlock(&out_lock);
	drain(CONSOLE_DRAIN_MAX);
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
	drain(CONSOLE_DRAIN_MAX);
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
