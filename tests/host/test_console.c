/*
 * Host tests of the console multiplexer (src/core/console.c): VM lines
 * and their prefixes, lines broken by another source and continued,
 * the focused VM's unfinished line shown at once, output filtering, the
 * input switch (Ctrl-A digit, Ctrl-A Ctrl-A, unknown VMs, help), the
 * monitor's input (Ctrl-A m: bytes go to it, not to a VM), the UART
 * receive interrupt, and which locks input and output take.
 *
 * console.c is compiled into this file, after a host stand-in for
 * core/spinlock.h (whose AArch64 hints do not assemble here); the UART
 * and the VMs' console devices are fakes, and so is the monitor (its
 * commands are monitor.c's, tested by the QEMU scenario `monitor`).
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check_main.h"

/* Locks fail the test if taken twice; takes of `watched` are counted. */
static const void *watched;
static unsigned watched_takes;

#define FAKE_LOCK_HOOK(l, delta) \
	((void)((l) == watched && (delta) > 0 && watched_takes++))
#include "fake_spinlock.h"

#include "core/console.c"

/* The terminal: what numbat wrote to its UART, '\r' checked and removed. */
static char term[3 * CONSOLE_RING];
static size_t nterm;
static bool after_cr;

void plat_uart_putc(char c)
{
	ck_assert_uint_lt(nterm, sizeof(term) - 1);
	if (c == '\r') {
		after_cr = true;
		return;
	}
	ck_assert_msg(after_cr == (c == '\n'), "'\\n' must come as \"\\r\\n\"");
	after_cr = false;
	term[nterm++] = c;
}

/*
 * The transmitter once the UART interrupt is on: a FIFO with room for
 * fifo_room more bytes (the test empties it), and the transmit
 * interrupt's mask.
 */
static unsigned fifo_room, tx_count;
static bool tx_irq_unmasked, rx_irq_on;

bool plat_uart_tx_room(void)
{
	return fifo_room > 0;
}

void plat_uart_tx(char c)
{
	ck_assert_uint_gt(fifo_room, 0);
	fifo_room--;
	tx_count++;
	plat_uart_putc(c);
}

/* Power off: what the terminal held when the UART was waited for, then off. */
static size_t nterm_at_idle = SIZE_MAX;
static jmp_buf powered_off;

void plat_uart_wait_idle(void)
{
	nterm_at_idle = nterm;
}

void arch_system_off(void)
{
	longjmp(powered_off, 1);
}

void plat_uart_tx_irq(bool on)
{
	tx_irq_unmasked = on;
}

void plat_uart_enable_rx_irq(void)
{
	rx_irq_on = true;
}

/* Bytes the UART has received, for plat_uart_getc. */
static char uart_rx[256];
static size_t uart_rx_len, uart_rx_pos;

int plat_uart_getc(void)
{
	return uart_rx_pos < uart_rx_len ? (unsigned char)uart_rx[uart_rx_pos++] : -1;
}

/* Everything printed since the last call, as a string. */
static const char *take(void)
{
	static char buf[sizeof(term)];

	memcpy(buf, term, nterm);
	buf[nterm] = '\0';
	nterm = 0;
	return buf;
}

/* The monitor: keys collected into a line, commands recorded. */
static char mon_line[MONITOR_LINE_MAX], mon_cmds[256];
static unsigned mon_len;

bool monitor_key(char c, char *cmd)
{
	ck_assert_int_eq(in_lock.held, 1); /* the line is the console's */
	if (c != '\n') {
		mon_line[mon_len++] = c;
		return false;
	}
	memcpy(cmd, mon_line, mon_len);
	cmd[mon_len] = '\0';
	mon_len = 0;
	return true;
}

bool monitor_run(const char *cmd)
{
	ck_assert_int_eq(in_lock.held, 0); /* commands run with no lock held */
	strcat(mon_cmds, cmd);
	strcat(mon_cmds, ";");
	return strcmp(cmd, "exit") == 0;
}

/* What each VM's console device received. */
static char got[CONFIG_MAX_VMS][128];
static unsigned ngot[CONFIG_MAX_VMS];

static bool fake_input(struct vdev *dev, uint8_t c)
{
	unsigned id = ((struct vm *)dev->vm)->id;

	/* Input never waits for output. */
	ck_assert_int_eq(out_lock.held, 0);
	ck_assert_int_eq(lines[id].lock.held, 0);
	ck_assert_uint_lt(ngot[id], sizeof(got[id]) - 1);
	got[id][ngot[id]++] = (char)c;
	return true;
}

static const struct vdev_ops uart_ops = { .compatible = "arm,pl011", .input = fake_input };
static const struct vdev_ops plain_ops = { .compatible = "numbat,test-device" };

struct vm vms[CONFIG_MAX_VMS];
unsigned vm_count;
static struct vm_config cfgs[CONFIG_MAX_VMS];

/* Adds VM `name` with a console device or not, in state `state`. */
static struct vm *add_vm(const char *name, bool uart, enum vm_state state)
{
	struct vm *vm = &vms[vm_count];

	strcpy(cfgs[vm_count].name, name);
	vm->cfg = &cfgs[vm_count];
	vm->id = vm_count++;
	vm->state = state;
	if (state == VM_NONE)
		return vm;  /* devices are bound only if it was created */
	vm->devs[0].ops = &plain_ops;
	vm->devs[0].vm = vm;
	vm->ndevs = 1;
	if (uart) {
		vm->devs[1].ops = &uart_ops;
		vm->devs[1].vm = vm;
		vm->ndevs = 2;
	}
	return vm;
}

/* alpha (no UART), beta and gamma (UARTs), delta (not created); started. */
static struct vm *alpha, *beta, *gamma_, *delta;

static void setup(void)
{
	alpha = add_vm("alpha", false, VM_RUNNING);
	beta = add_vm("beta", true, VM_RUNNING);
	gamma_ = add_vm("gamma", true, VM_RUNNING);
	delta = add_vm("delta", true, VM_NONE);
	console_start();
	take();
}

static void vm_puts(struct vm *vm, const char *s)
{
	console_vm_write(vm, s, strlen(s));
}

static void type(const char *s)
{
	for (; *s; s++)
		console_input(*s);
}

START_TEST(banner_and_initial_focus)
{
	alpha = add_vm("alpha", false, VM_RUNNING);
	beta = add_vm("beta", true, VM_RUNNING);
	gamma_ = add_vm("gamma", true, VM_RUNNING);
	console_start();
	ck_assert_str_eq(take(),
			 "numbat: console input: beta; Ctrl-A then a VM number (0-9) "
			 "switches, Ctrl-A ? for help\n"
			 "numbat: console 1: beta\n"
			 "numbat: console 2: gamma\n");
	type("ls\r");
	ck_assert_str_eq(got[1], "ls\r");
	ck_assert_uint_eq(ngot[2], 0);
}
END_TEST

START_TEST(no_uart_no_banner)
{
	alpha = add_vm("alpha", false, VM_RUNNING);
	add_vm("nouart", true, VM_NONE);
	console_start();
	ck_assert_str_eq(take(), "");
	type("abc\001?");
	ck_assert_str_eq(take(), "numbat: console: input goes to no VM; Ctrl-A 0-9 sends "
			 "it to that VM, Ctrl-A m opens numbat's monitor, Ctrl-A Ctrl-A sends "
			 "Ctrl-A, Ctrl-A ? prints this\n");
	for (unsigned i = 0; i < CONFIG_MAX_VMS; i++)
		ck_assert_uint_eq(ngot[i], 0);
}
END_TEST

START_TEST(switch_focus)
{
	setup();
	type("a\0012b");
	ck_assert_str_eq(take(), "numbat: console input: gamma\n");
	ck_assert_str_eq(got[1], "a");
	ck_assert_str_eq(got[2], "b");
	type("\0011c");
	ck_assert_str_eq(take(), "numbat: console input: beta\n");
	ck_assert_str_eq(got[1], "ac");
}
END_TEST

START_TEST(escape_escape_sends_one)
{
	setup();
	type("\001\001x\001");
	ck_assert_str_eq(got[1], "\001x");
	type("\001");
	ck_assert_str_eq(got[1], "\001x\001");
	ck_assert_str_eq(take(), "");
}
END_TEST

START_TEST(unknown_vm_keeps_focus)
{
	setup();
	type("\0017");
	ck_assert_str_eq(take(), "numbat: console input: there is no VM 7; input stays with beta\n");
	type("\0010");
	ck_assert_str_eq(take(), "numbat: console input: vm alpha has no UART; "
			 "input stays with beta\n");
	type("\0013");
	ck_assert_str_eq(take(), "numbat: console input: vm delta has no UART; "
			 "input stays with beta\n");
	type("\001zq");  /* an unknown command is dropped, with its Ctrl-A */
	ck_assert_str_eq(take(), "");
	ck_assert_str_eq(got[1], "q");
}
END_TEST

START_TEST(help_line)
{
	setup();
	type("\0012\001?");
	take();
	type("\001?");
	ck_assert_str_eq(take(), "numbat: console: input goes to gamma; Ctrl-A 0-9 sends it "
			 "to that VM, Ctrl-A m opens numbat's monitor, Ctrl-A Ctrl-A sends "
			 "Ctrl-A, Ctrl-A ? prints this\n");
	ck_assert_uint_eq(ngot[2], 0);
}
END_TEST

START_TEST(monitor_takes_input)
{
	setup();
	type("a\001m");
	ck_assert_str_eq(take(), "monitor: numbat's monitor; help lists the commands, "
			 "exit or Ctrl-A 0-9 goes back to a VM\n");
	type("list\nstats beta\n\001\001x");
	ck_assert_str_eq(mon_cmds, "list;stats beta;");
	ck_assert_str_eq(got[1], "a"); /* nothing typed in the monitor reached beta */
	type("\n\0012y");            /* Ctrl-A digit leaves the monitor */
	ck_assert_str_eq(mon_cmds, "list;stats beta;x;");
	ck_assert_str_eq(got[2], "y");
	type("\001mexit\nz");         /* and so does exit */
	ck_assert_str_eq(mon_cmds, "list;stats beta;x;exit;");
	ck_assert_str_eq(got[2], "yz");
}
END_TEST

START_TEST(whole_lines_prefixed)
{
	setup();
	vm_puts(alpha, "hello\nwor");
	ck_assert_str_eq(take(), "[alpha] hello\n");
	vm_puts(alpha, "ld\r\n");
	ck_assert_str_eq(take(), "[alpha] world\n");
	vm_puts(gamma_, "one\ntwo\n\n");
	ck_assert_str_eq(take(), "[gamma] one\n[gamma] two\n[gamma] \n");
}
END_TEST

START_TEST(one_line_per_output_lock)
{
	setup();
	watched = &out_lock;
	vm_puts(alpha, "1\n2\n3\npartial");
	ck_assert_uint_eq(watched_takes, 3);
	ck_assert_str_eq(take(), "[alpha] 1\n[alpha] 2\n[alpha] 3\n");
	/* Typing a byte takes no output lock at all. */
	watched_takes = 0;
	type("xyz");
	ck_assert_uint_eq(watched_takes, 0);
}
END_TEST

START_TEST(focused_partial_shown_at_once)
{
	setup();
	vm_puts(beta, "/ # ");
	ck_assert_str_eq(take(), "[beta] / # ");
	vm_puts(beta, "l");
	vm_puts(beta, "s");
	ck_assert_str_eq(take(), "ls");
	vm_puts(beta, "\r\nbin  etc\r\n/ # ");
	ck_assert_str_eq(take(), "\n[beta] bin  etc\n[beta] / # ");
	vm_puts(gamma_, "unfocused ");  /* held */
	ck_assert_str_eq(take(), "");
}
END_TEST

START_TEST(broken_line_continued)
{
	setup();
	vm_puts(beta, "/ # ");
	vm_puts(alpha, "tick\n");
	ck_assert_str_eq(take(), "[beta] / # \n[alpha] tick\n");
	vm_puts(beta, "e");
	ck_assert_str_eq(take(), "[beta] / # e");
	pr_info("vm x: restarting\n");
	ck_assert_str_eq(take(), "\nnumbat: vm x: restarting\n");
	vm_puts(beta, "cho\n");
	ck_assert_str_eq(take(), "[beta] / # echo\n");
	/* A numbat message is a line of its own, newline or not. */
	console_write("numbat: partial", 15);
	vm_puts(alpha, "x\n");
	ck_assert_str_eq(take(), "numbat: partial\n[alpha] x\n");
}
END_TEST

/*
 * Two pCPUs reporting at once: each message reaches the terminal whole,
 * on its own line (it was "numbat: vm linux1 vcpu 0 entered at counter
 * numbat: vm linux0 vcpu 0 entered at counter 100489970" when a message
 * was printed in two writes and the second pCPU's came between).
 */
START_TEST(numbat_messages_whole)
{
	setup();
	vm_puts(beta, "/ # ");
	pr_info("vm linux1 vcpu 0 entered at counter %lu", 100489971ul);
	pr_info("vm linux0 vcpu 0 entered at counter %lu\n", 100489970ul);
	ck_assert_str_eq(take(), "[beta] / # \n"
			 "numbat: vm linux1 vcpu 0 entered at counter 100489971\n"
			 "numbat: vm linux0 vcpu 0 entered at counter 100489970\n");
	vm_puts(beta, "x");
	ck_assert_str_eq(take(), "[beta] / # x");
}
END_TEST

START_TEST(switch_shows_held_line)
{
	setup();
	vm_puts(gamma_, "login: ");
	vm_puts(beta, "/ # ");
	ck_assert_str_eq(take(), "[beta] / # ");
	type("\0012");
	ck_assert_str_eq(take(), "\nnumbat: console input: gamma\n[gamma] login: ");
	vm_puts(beta, "late");  /* no longer focused: held */
	vm_puts(gamma_, "r");
	ck_assert_str_eq(take(), "r");
	vm_puts(beta, "\n");
	ck_assert_str_eq(take(), "\n[beta] / # late\n");
}
END_TEST

START_TEST(long_lines_split)
{
	char s[400];

	setup();
	memset(s, 'x', sizeof(s));
	s[CONSOLE_LINE_MAX + 10] = '\0';
	vm_puts(alpha, s);
	vm_puts(alpha, "\n");
	ck_assert_uint_eq(nterm, 8 + CONSOLE_LINE_MAX + 1 + 8 + 10 + 1);
	ck_assert(memcmp(term, "[alpha] xxx", 11) == 0);
	ck_assert_int_eq(term[8 + CONSOLE_LINE_MAX], '\n');
	ck_assert(memcmp(term + 8 + CONSOLE_LINE_MAX + 1, "[alpha] xxxxxxxxxx\n", 19) == 0);
}
END_TEST

START_TEST(output_filtered)
{
	setup();
	vm_puts(alpha, "a\tb\001c\x7f" "d\xc3\xa9\n");
	ck_assert_str_eq(take(), "[alpha] a\tb?c?d??\n");
	/* Colours and cursor moves dropped; erase to end of line kept. */
	vm_puts(alpha, "\033[1;32mgreen\033[0m \033[6n\033(B|\b\033[J\033[2K\n");
	ck_assert_str_eq(take(), "[alpha] green |\b\033[K\033[K\n");
	/* A control byte ends an unfinished sequence. */
	vm_puts(alpha, "p\033[12\nq\n");
	ck_assert_str_eq(take(), "[alpha] p\n[alpha] q\n");
}
END_TEST

START_TEST(reset_flushes_partial_line)
{
	setup();
	vm_puts(alpha, "before reset");
	console_vm_reset(alpha);
	ck_assert_str_eq(take(), "[alpha] before reset\n");
	console_vm_reset(alpha);
	ck_assert_str_eq(take(), "");
	vm_puts(beta, "$ ");
	console_vm_reset(beta);
	ck_assert_str_eq(take(), "[beta] $ \n");
	vm_puts(alpha, "\033[");  /* the filter restarts too */
	console_vm_reset(alpha);
	vm_puts(alpha, "m\n");
	ck_assert_str_eq(take(), "[alpha] m\n");
}
END_TEST

START_TEST(uart_irq_drains)
{
	setup();
	strcpy(uart_rx, "hi\0012!");
	uart_rx_len = strlen(uart_rx);
	console_uart_irq();
	ck_assert_str_eq(got[1], "hi");
	ck_assert_str_eq(got[2], "!");
	ck_assert_uint_eq(uart_rx_pos, uart_rx_len);
	/* A bounded batch per interrupt: the UART raises it again for the rest. */
	memset(uart_rx, 'k', 100);
	uart_rx_len = 100;
	uart_rx_pos = 0;
	console_uart_irq();
	ck_assert_uint_eq(uart_rx_pos, CONSOLE_RX_BATCH);
	console_uart_irq();
	ck_assert_uint_eq(uart_rx_pos, 100);
}
END_TEST

/*
 * With the UART interrupt on, output never waits for the UART: what the
 * FIFO cannot take stays in the ring, the transmit interrupt is unmasked,
 * and each interrupt sends what the FIFO has room for, in order.
 */
START_TEST(output_never_waits)
{
	setup();
	console_uart_irq_on();
	ck_assert(rx_irq_on);
	fifo_room = 8;
	vm_puts(beta, "0123456789abcdef\n");
	ck_assert_str_eq(take(), "[beta] 0");
	ck_assert(tx_irq_unmasked);
	fifo_room = 1000;
	console_uart_irq();
	ck_assert_str_eq(take(), "123456789abcdef\n");
	ck_assert(!tx_irq_unmasked);
}
END_TEST

/* One drain moves at most CONSOLE_DRAIN_MAX bytes; the interrupt sends the rest. */
START_TEST(drain_is_bounded)
{
	char line[CONSOLE_LINE_MAX];

	setup();
	console_uart_irq_on();
	fifo_room = 0;
	memset(line, 'x', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	for (int i = 0; i < 4; i++)
		vm_puts(gamma_, line);
	take();
	fifo_room = 100000;
	tx_count = 0;
	console_write("numbat: hello\n", 14);
	ck_assert_uint_eq(tx_count, CONSOLE_DRAIN_MAX);
	ck_assert(tx_irq_unmasked);
	while (tx_irq_unmasked)
		console_uart_irq();
	ck_assert(strstr(take(), "numbat: hello\n") != NULL);
}
END_TEST

/*
 * A full ring drops output and says so in a line of its own; power off
 * sends everything and lets the UART finish before the machine goes off,
 * and the panic path sends everything too, in order.
 */
START_TEST(full_ring_reports_loss)
{
	char line[101];
	const char *t;

	setup();
	console_uart_irq_on();
	fifo_room = 0;
	memset(line, 'y', 99);
	line[99] = '\n';
	line[100] = '\0';
	for (int i = 0; i < CONSOLE_RING / 100 + 10; i++)
		vm_puts(beta, line);
	nterm_at_idle = SIZE_MAX;
	if (!setjmp(powered_off))
		console_power_off();
	ck_assert_uint_eq(ring_tail, ring_head);
	ck_assert_uint_eq(nterm_at_idle, nterm); /* waited for after the last byte */
	ck_assert_uint_gt(nterm, CONSOLE_RING - 200);
	take();
	console_write("numbat: after\n", 14);
	console_write_unlocked("panic\n", 6);
	t = take();
	ck_assert_msg(strstr(t, "numbat: console: ") == t, "%s", t);
	ck_assert(strstr(t, "bytes of output lost") != NULL);
	ck_assert(strstr(t, "\nnumbat: after\npanic\n") != NULL);
}
END_TEST

void host_tests_init(void)
{
	Suite *s = host_suite("console");

	HOST_TEST(s, banner_and_initial_focus);
	HOST_TEST(s, no_uart_no_banner);
	HOST_TEST(s, switch_focus);
	HOST_TEST(s, escape_escape_sends_one);
	HOST_TEST(s, unknown_vm_keeps_focus);
	HOST_TEST(s, help_line);
	HOST_TEST(s, monitor_takes_input);
	HOST_TEST(s, whole_lines_prefixed);
	HOST_TEST(s, one_line_per_output_lock);
	HOST_TEST(s, focused_partial_shown_at_once);
	HOST_TEST(s, broken_line_continued);
	HOST_TEST(s, numbat_messages_whole);
	HOST_TEST(s, switch_shows_held_line);
	HOST_TEST(s, long_lines_split);
	HOST_TEST(s, output_filtered);
	HOST_TEST(s, reset_flushes_partial_line);
	HOST_TEST(s, uart_irq_drains);
	HOST_TEST(s, output_never_waits);
	HOST_TEST(s, drain_is_bounded);
	HOST_TEST(s, full_ring_reports_loss);
}
