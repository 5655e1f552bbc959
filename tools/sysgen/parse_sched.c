/*
 * sysgen: how a VM's vCPUs are scheduled. Properties of a vm node:
 *   priority = <p>;                 every vCPU's priority, 0..255 (default 100)
 *   vcpu-priorities = <p0 p1 ...>;  one per vCPU, instead of priority
 *   time-slice-us = <n>;            round-robin slice among equals (default 10000)
 *   budget-us = <b>; period-us = <t>;  each vCPU runs at most b in any t
 * and the system-wide check that the budgets pinned to a pCPU fit in it.
 * Also what happens when the VM crashes:
 *   restart-policy = "stop" | "restart";  (default "stop")
 *   restart-limit = <n>;            crashes restarted, 1..1000 (default 3)
 *   restart-backoff-ms = <n>;       first back-off, 1..60000 (default 100)
 */
#include <string.h>

#include "sysgen.h"

#define SLICE_US_MIN   100u
#define SLICE_US_MAX   1000000u
#define BUDGET_US_MIN  10u
#define PERIOD_US_MIN  100u
#define PERIOD_US_MAX  10000000u
#define RESTART_LIMIT_MAX     1000u
#define RESTART_LIMIT_DEFAULT 3u
#define BACKOFF_MS_MAX        60000u
#define BACKOFF_MS_DEFAULT    100u

/* Reads priority or vcpu-priorities into prio[] (vm->vcpu_count entries). */
static bool parse_priorities(const struct sg_node *n, const struct sg_vm *vm, uint32_t *prio)
{
	uint32_t one = CONFIG_PRIO_DEFAULT, list[CONFIG_MAX_VCPUS];
	int rc_one = sg_read_u32(n, "priority", &one);
	int count, rc_list = sg_read_u32_list(n, "vcpu-priorities", list, CONFIG_MAX_VCPUS, &count);
	uint32_t i;

	if (rc_one == SG_BAD || rc_list == SG_BAD)
		return false;
	if (rc_one == SG_OK && rc_list == SG_OK) {
		sg_error(n->sys, n->path, "both priority and vcpu-priorities: give one of them");
		return false;
	}
	for (i = 0; i < vm->vcpu_count; i++)
		prio[i] = one;
	if (rc_list == SG_OK) {
		if ((uint32_t)count != vm->vcpu_count) {
			sg_error(n->sys, n->path, "vcpu-priorities lists %d value(s) but vcpus = "
				 "<%u>: give one priority per vCPU", count, vm->vcpu_count);
			return false;
		}
		memcpy(prio, list, sizeof(list[0]) * (size_t)count);
	}
	for (i = 0; i < vm->vcpu_count; i++) {
		if (prio[i] > CONFIG_PRIO_MAX) {
			sg_error(n->sys, n->path, "%s <%u>: must be 0..%d (higher runs first)",
				 rc_list == SG_OK ? "vcpu-priorities value" : "priority", prio[i],
				 CONFIG_PRIO_MAX);
			return false;
		}
	}
	return true;
}

/* Reads an optional u32 property that must lie in [lo, hi]. */
static bool read_in_range(const struct sg_node *n, const char *name, uint32_t lo, uint32_t hi,
			  uint32_t *v, bool *given)
{
	int rc = sg_read_u32(n, name, v);

	*given = rc == SG_OK;
	if (rc == SG_BAD)
		return false;
	if (rc == SG_OK && (*v < lo || *v > hi)) {
		sg_error(n->sys, n->path, "%s = <%u>: must be %u..%u", name, *v, lo, hi);
		return false;
	}
	return true;
}

void sg_parse_vm_sched(const struct sg_node *n, struct sg_vm *vm)
{
	uint32_t prio[CONFIG_MAX_VCPUS], slice = CONFIG_SLICE_US_DEFAULT, budget = 0, period = 0;
	bool has_slice, has_budget, has_period, ok;
	uint32_t i;

	ok = read_in_range(n, "time-slice-us", SLICE_US_MIN, SLICE_US_MAX, &slice, &has_slice);
	ok &= read_in_range(n, "budget-us", BUDGET_US_MIN, PERIOD_US_MAX, &budget, &has_budget);
	ok &= read_in_range(n, "period-us", PERIOD_US_MIN, PERIOD_US_MAX, &period, &has_period);
	if (!has_slice)
		slice = CONFIG_SLICE_US_DEFAULT;
	if (ok && has_budget != has_period) {
		sg_error(n->sys, n->path, "%s without %s: a budget is given per period, set both",
			 has_budget ? "budget-us" : "period-us", has_budget ? "period-us" : "budget-us");
		ok = false;
	}
	if (ok && has_budget && budget > period) {
		sg_error(n->sys, n->path, "budget-us = <%u> is more than period-us = <%u>",
			 budget, period);
		ok = false;
	}
	if (vm->vcpu_count == 0 || !parse_priorities(n, vm, prio) || !ok)
		return;
	for (i = 0; i < vm->vcpu_count; i++)
		vm->sched[i] = (struct sched_config){
			.priority = prio[i], .slice_us = slice,
			.budget_us = has_budget ? budget : 0, .period_us = has_budget ? period : 0,
		};
}

void sg_parse_vm_restart(const struct sg_node *n, struct sg_vm *vm)
{
	const char *policy = "stop";
	bool has_limit, has_backoff;
	int rc = sg_read_string(n, "restart-policy", &policy);

	vm->restart_policy = RESTART_STOP;
	vm->restart_limit = RESTART_LIMIT_DEFAULT;
	vm->restart_backoff_ms = BACKOFF_MS_DEFAULT;
	if (rc == SG_OK && strcmp(policy, "restart") == 0)
		vm->restart_policy = RESTART_RESTART;
	else if (rc == SG_OK && strcmp(policy, "stop") != 0)
		sg_error(n->sys, n->path, "restart-policy \"%s\": must be \"stop\" or \"restart\"",
			 policy);
	if (!read_in_range(n, "restart-limit", 1, RESTART_LIMIT_MAX, &vm->restart_limit,
			   &has_limit) || !has_limit)
		vm->restart_limit = RESTART_LIMIT_DEFAULT;
	if (!read_in_range(n, "restart-backoff-ms", 1, BACKOFF_MS_MAX, &vm->restart_backoff_ms,
			   &has_backoff) || !has_backoff)
		vm->restart_backoff_ms = BACKOFF_MS_DEFAULT;
	if ((has_limit || has_backoff) && vm->restart_policy != RESTART_RESTART)
		sg_error(n->sys, n->path, "%s without restart-policy = \"restart\": it only "
			 "applies to a VM that is restarted", has_limit ? "restart-limit" :
			 "restart-backoff-ms");
}

/*
 * A budget is a promise of pCPU time: the budgeted vCPUs pinned to one pCPU
 * must not be promised more than all of it.
 */
void sg_check_sched(struct sg_system *s)
{
	for (uint32_t p = 0; p < s->pcpu_count; p++) {
		double sum = 0;
		const char *last = NULL;

		for (uint32_t i = 0; i < s->vm_count; i++) {
			const struct sg_vm *vm = &s->vms[i];

			for (uint32_t v = 0; vm->pcpus_ok && v < vm->vcpu_count; v++) {
				if (vm->vcpu_pcpu[v] != p || !vm->sched[v].budget_us)
					continue;
				sum += (double)vm->sched[v].budget_us / vm->sched[v].period_us;
				last = vm->path;
			}
		}
		if (sum > 1.0 + 1e-9)
			sg_error(s, last, "the budgets of the vCPUs pinned to pCPU %u add up to "
				 "%.0f%% of it: at most 100%%", p, sum * 100);
	}
}
