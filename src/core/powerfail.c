/*
 * The power-fail warning (see powerfail.h and docs/RAPILOG.md).
 *
 * State: `powerfail_deadline` is UINT64_MAX until the warning, then the counter
 * value when the budget (powerfail_config.drain_ms) runs out. It is set
 * once (compare-and-swap), read without a lock by every pCPU's
 * scheduler; whoever sees it pass, or the server's DONE, calls
 * SYSTEM_OFF, which does not return.
 */
#include "core/powerfail.h"

#include <numbat/abi.h>

#include "arch/aarch64/gic.h"
#include "arch/aarch64/sysreg.h"
#include "core/bootinfo.h"
#include "core/console.h"
#include "core/pcpu.h"
#include "core/vgic.h"
#include "core/vm.h"
#include "plat.h"

unsigned powerfail_intid;
uint64_t powerfail_deadline = UINT64_MAX;
static uint64_t warned_at;

void powerfail_init(const struct bootinfo *bi)
{
	const struct powerfail_config *pf = &numbat_system.powerfail;

	if (!pf->present)
		return;
	if (!bi->gpio_base) {
		pr_info("power-fail: this machine has no power button input; "
			"no warning will come\n");
		return;
	}
	plat_powerkey_init(bi->gpio_base, bi->power_line);
	powerfail_intid = bi->gpio_intid;
	gic_spi_set_edge(powerfail_intid, false);
	gic_enable_spi(powerfail_intid, pcpus[numbat_system.vms[pf->vm].vcpu_pcpu[0]].mpidr);
	pr_info("power-fail: warning from GPIO 0x%lx line %u (INTID %u) to vm %s as INTID "
		"%u, drain budget %u ms\n", bi->gpio_base, bi->power_line, powerfail_intid,
		numbat_system.vms[pf->vm].name, pf->irq, pf->drain_ms);
}

static uint64_t ms_since(uint64_t t)
{
	return arch_ticks_to_ns(arch_now() - t) / 1000000;
}

void powerfail_irq(void)
{
	const struct powerfail_config *pf = &numbat_system.powerfail;
	struct vm *server = pf->vm < vm_count ? &vms[pf->vm] : NULL;
	uint64_t none = UINT64_MAX, now;

	if (!plat_powerkey_ack())
		return;
	now = arch_now();
	if (!__atomic_compare_exchange_n(&powerfail_deadline, &none,
					 now + read_cntfrq_el0() / 1000 * pf->drain_ms, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return; /* a warning is already in progress */
	warned_at = now;
	if (!server || __atomic_load_n(&server->state, __ATOMIC_ACQUIRE) != VM_RUNNING) {
		pr_info("power-fail: vm %s is not running, nothing to drain; powering off\n",
			numbat_system.vms[pf->vm].name);
		console_power_off();
	}
	pr_info("power-fail: warning; vm %s has %u ms to drain\n", server->cfg->name,
		pf->drain_ms);
	/* A level: the supply stays failing. */
	vgic_set_level(server, pf->irq, true);
	pcpu_this()->resched = true; /* the scheduler arms the budget's timer */
}

int64_t powerfail_done(struct vcpu *vcpu)
{
	const struct powerfail_config *pf = &numbat_system.powerfail;

	if (!pf->present || vcpu->vm->id != pf->vm)
		return SMCCC_NOT_SUPPORTED;
	if (__atomic_load_n(&powerfail_deadline, __ATOMIC_ACQUIRE) == UINT64_MAX)
		return SMCCC_INVALID_PARAMETER;
	pr_info("power-fail: vm %s drained in %lu ms; powering off\n", vcpu->vm->cfg->name,
		ms_since(warned_at));
	console_power_off();
}

uint64_t powerfail_poll_warned(uint64_t now, uint64_t next)
{
	uint64_t at = __atomic_load_n(&powerfail_deadline, __ATOMIC_ACQUIRE);

	if (now >= at) {
		pr_info("power-fail: drain budget of %u ms ran out after %lu ms; "
			"powering off\n", numbat_system.powerfail.drain_ms, ms_since(warned_at));
		console_power_off();
	}
	return at < next ? at : next;
}
