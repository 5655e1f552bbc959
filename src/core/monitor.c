/*
 * The operator's monitor on numbat's console: Ctrl-A m enters it, a
 * command a line (list, stats, stop, start, restart, help, exit), Ctrl-A
 * and a digit or `exit` go back to a VM's console.
 *
 * It runs in numbat's UART receive interrupt on pCPU 0 (console_input), so
 * it never waits for a VM: it reads VM and vCPU state without their locks
 * (a figure may be one update behind) and asks for stops and restarts
 * through vm_stop/vm_reset/vm_start, which kick the pCPUs concerned and
 * return; the report of a stop that completes later comes from the pCPU
 * that completes it. The line being typed is the console's (under its
 * in_lock); a complete command runs with no lock held.
 */
#include "core/monitor.h"

#include "arch/aarch64/arch.h"
#include "arch/aarch64/sysreg.h"
#include "core/console.h"
#include "core/pcpu.h"
#include "core/vm.h"
#include "lib/format.h"
#include "lib/string.h"

#define mon_print(...) console_printf("monitor: " __VA_ARGS__)

static char line[MONITOR_LINE_MAX];
static unsigned line_len;            /* protected by the console's in_lock */

bool monitor_key(char c, char *cmd)
{
	if (c == '\r' || c == '\n') {
		memcpy(cmd, line, line_len);
		cmd[line_len] = '\0';
		line_len = 0;
		return true;
	}
	if (c == '\b' || c == 0x7f) {
		if (line_len)
			line_len--;
	} else if (c >= 0x20 && c < 0x7f && line_len < MONITOR_LINE_MAX - 1) {
		line[line_len++] = c;
	}
	return false;
}

static uint64_t ticks_us(uint64_t ticks)
{
	return arch_ticks_to_ns(ticks) / 1000;
}

static const char *state_name(const struct vm *vm)
{
	switch (READ_ONCE(vm->state)) {
	case VM_NONE: return "not-created";
	case VM_RUNNING: return "running";
	case VM_STOPPING: return "stopping";
	case VM_RESETTING: return "resetting";
	case VM_LOADING:
		return arch_now() < READ_ONCE(vm->load.not_before) ? "back-off" : "loading";
	case VM_OFF: return "off";
	}
	return "?";
}

/* A VM by name or by number, or NULL (and says so). */
static struct vm *find_vm(const char *arg)
{
	unsigned id = 0;
	const char *p = arg;

	for (unsigned i = 0; i < vm_count; i++)
		if (strcmp(vms[i].cfg->name, arg) == 0)
			return &vms[i];
	while (*p >= '0' && *p <= '9' && id < CONFIG_MAX_VMS)
		id = id * 10 + (unsigned)(*p++ - '0');
	if (*arg && !*p && id < vm_count)
		return &vms[id];
	mon_print("no VM \"%s\" (list shows them)\n", arg);
	return NULL;
}

/* One line per VM: state, vCPUs on their pCPUs with priorities, uptime, restarts. */
static void cmd_list(void)
{
	for (unsigned id = 0; id < vm_count; id++) {
		const struct vm *vm = &vms[id];
		const struct vm_config *cfg = vm->cfg;
		char cpus[8 * CONFIG_MAX_VCPUS + 1];
		size_t n = 0;
		uint64_t up = 0;

		for (unsigned i = 0; i < cfg->vcpu_count; i++)
			n += format(cpus + n, sizeof(cpus) - n, "%s%u@%u/%u", i ? "," : "", i,
				    cfg->vcpu_pcpu[i], cfg->sched[i].priority);
		if (READ_ONCE(vm->state) == VM_RUNNING)
			up = ticks_us(arch_now() - READ_ONCE(vm->started_at)) / 1000;
		mon_print("%u %s %s vcpus %s up %lu ms restarts %u crashes %u last-stop %s\n",
			  id, cfg->name, state_name(vm), cpus, up,
			  vm->boots ? vm->boots - 1 : 0, READ_ONCE(vm->crashes),
			  vm_why_name(READ_ONCE(vm->last_stop)));
	}
}

/* Per vCPU: scheduling figures, exits by class, MMIO per device. */
static void cmd_stats(struct vm *vm)
{
	for (unsigned i = 0; i < vm->cfg->vcpu_count && vm->state != VM_NONE; i++) {
		const struct vcpu *v = &vm->vcpus[i];
		const struct sched_stats *st = &v->se.stats;
		const struct vcpu_exits *e = &v->exits;
		uint64_t ran = st->ran;

		/* A vCPU alone on its pCPU is charged only when it leaves. */
		if (READ_ONCE(v->pcpu->current) == v)
			ran += arch_now() - READ_ONCE(v->se.run_start);
		mon_print("%s vcpu %u: ran %lu us preemptions %lu wakeups %lu worst-latency %lu us "
			  "throttled %lu\n", vm->cfg->name, i, ticks_us(ran), st->preemptions,
			  st->wakeups, ticks_us(st->worst_latency), st->throttled);
		mon_print("%s vcpu %u exits: hypercall %lu sysreg %lu wfx %lu irq %lu other %lu "
			  "injected %lu virqs %lu\n", vm->cfg->name, i, e->hypercall, e->sysreg,
			  e->wfx, e->irq, e->other, e->injected, e->virqs);
		for (unsigned d = 0; d < vm->ndevs; d++)
			mon_print("%s vcpu %u mmio %s@0x%lx: %lu\n", vm->cfg->name, i,
				  vm->devs[d].ops->compatible, vm->devs[d].ipa,
				  vm->devs[d].exits[i]);
	}
}

/* stop, start, restart: requests; their completion is reported by the VM's pCPUs. */
static void cmd_lifecycle(const char *verb, struct vm *vm)
{
	enum vm_state s = READ_ONCE(vm->state);

	if (strcmp(verb, "start") == 0 || (strcmp(verb, "restart") == 0 && s == VM_OFF)) {
		if (vm_start(vm))
			mon_print("starting %s\n", vm->cfg->name);
		else
			mon_print("%s is %s, not off\n", vm->cfg->name, state_name(vm));
		return;
	}
	if (s != VM_RUNNING) {
		mon_print("%s is %s: it can be stopped or restarted once it runs\n",
			  vm->cfg->name, state_name(vm));
		return;
	}
	if (strcmp(verb, "stop") == 0)
		vm_stop(vm, VM_WHY_OPERATOR, "stopped by the operator");
	else
		vm_reset(vm, VM_WHY_OPERATOR, "restarted by the operator");
}

static void cmd_help(void)
{
	mon_print("list: every VM with state, vcpus (vcpu@pcpu/priority), uptime, restarts, "
		  "crashes and last stop reason\n");
	mon_print("stats VM: per vCPU time run, preemptions, worst wake-up latency, exits "
		  "by class, MMIO per device\n");
	mon_print("stop VM, start VM, restart VM (VM: a name or number); help; exit "
		  "(or Ctrl-A 0-9) goes back to a VM's console\n");
}

bool monitor_run(const char *cmd)
{
	char verb[MONITOR_LINE_MAX], arg[MONITOR_LINE_MAX];
	size_t i = 0, j = 0;
	struct vm *vm;

	while (cmd[i] == ' ')
		i++;
	while (cmd[i] && cmd[i] != ' ')
		verb[j++] = cmd[i++];
	verb[j] = '\0';
	while (cmd[i] == ' ')
		i++;
	for (j = 0; cmd[i] && cmd[i] != ' ';)
		arg[j++] = cmd[i++];
	arg[j] = '\0';
	if (!verb[0])
		return false;
	mon_print("> %s\n", cmd);
	if (strcmp(verb, "exit") == 0 || strcmp(verb, "quit") == 0)
		return true;
	if (strcmp(verb, "list") == 0) {
		cmd_list();
	} else if (strcmp(verb, "help") == 0 || strcmp(verb, "?") == 0) {
		cmd_help();
	} else if (strcmp(verb, "stats") == 0 || strcmp(verb, "stop") == 0 ||
		   strcmp(verb, "start") == 0 || strcmp(verb, "restart") == 0) {
		if (!arg[0])
			mon_print("%s needs a VM (a name or number)\n", verb);
		else if ((vm = find_vm(arg)) != NULL && strcmp(verb, "stats") == 0)
			cmd_stats(vm);
		else if (vm)
			cmd_lifecycle(verb, vm);
	} else {
		mon_print("unknown command \"%s\"; help lists them\n", verb);
	}
	return false;
}
