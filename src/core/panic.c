/*
 * The panic path: for numbat's own broken invariants only. Prints the
 * cause, the syndrome registers and a register dump, stops every other
 * pCPU (each prints its own state) and halts the machine.
 */
#include "core/panic.h"

#include <stdarg.h>

#include "arch/aarch64/arch.h"
#include "arch/aarch64/gic.h"
#include "arch/aarch64/sysreg.h"
#include "core/console.h"
#include "core/pcpu.h"
#include "core/vm.h"
#include "lib/format.h"

static volatile int panicking;

static void out(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_v(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write_unlocked(buf, n);
}

static void dump_cpu(struct pcpu *p)
{
	const struct vcpu *v = p->current;

	out("numbat: pCPU %u: ESR_EL2 0x%lx ELR_EL2 0x%lx FAR_EL2 0x%lx SPSR_EL2 0x%lx\n",
	    p->id, read_esr_el2(), read_elr_el2(), read_far_el2(), read_spsr_el2());
	if (v)
		out("numbat: pCPU %u: last vCPU %s/%u pc 0x%lx pstate 0x%lx\n", p->id,
		    v->vm->cfg->name, v->index, v->regs.pc, v->regs.pstate);
}

static void dump_frame(const struct exc_frame *f)
{
	out("numbat: ESR 0x%lx ELR 0x%lx FAR 0x%lx SPSR 0x%lx SP 0x%lx\n",
	    f->esr, f->elr, f->far, f->spsr, f->sp);
	for (unsigned i = 0; i < 31; i += 2) {
		if (i == 30)
			out("numbat: x30 %016lx\n", f->x[30]);
		else
			out("numbat: x%-2u %016lx  x%-2u %016lx\n", i, f->x[i], i + 1,
			    f->x[i + 1]);
	}
}

/* Stops every other online pCPU; they dump their state and halt. */
static void stop_others(void)
{
	struct pcpu *self = pcpu_this();

	for (unsigned i = 0; i < pcpu_count && i < CONFIG_MAX_PCPUS; i++)
		if (&pcpus[i] != self && pcpus[i].online)
			gic_send_sgi(i, SGI_PANIC);
	for (volatile unsigned long spin = 0; spin < 20000000ul; spin++)
		;
}

static void panic_begin(void)
{
	irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST))
		arch_halt(); /* someone else is already reporting */
}

void panic(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	size_t n;

	panic_begin();
	va_start(ap, fmt);
	n = format_v(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out("\nnumbat: PANIC on pCPU %u: ", pcpu_this()->id);
	console_write_unlocked(buf, n);
	out("\n");
	dump_cpu(pcpu_this());
	stop_others();
	out("numbat: halted\n");
	arch_halt();
}

void panic_exception(const char *what, const struct exc_frame *frame)
{
	panic_begin();
	out("\nnumbat: PANIC on pCPU %u: %s\n", pcpu_this()->id, what);
	dump_frame(frame);
	dump_cpu(pcpu_this());
	stop_others();
	out("numbat: halted\n");
	arch_halt();
}

void panic_secondary(void)
{
	dump_cpu(pcpu_this());
	arch_halt();
}
