/*
 * A virtual machine: its configuration, stage-2 address space, vCPUs,
 * emulated devices and lifecycle (create, start, stop, reset).
 */
#ifndef CORE_VM_H
#define CORE_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/arch.h"
#include "core/addr.h"
#include "core/panic.h"
#include "core/spinlock.h"
#include "core/vcpu.h"
#include "devices/vdev.h"
#include <numbat/config.h>

enum vm_state {
	VM_NONE,      /* not created (e.g. a pinned pCPU is missing) */
	VM_RUNNING,
	VM_STOPPING,  /* vCPUs being taken off their pCPUs, then VM_OFF */
	VM_RESETTING, /* the same, then VM_LOADING */
	VM_LOADING,   /* memory being reloaded in steps (vm_load_step), then
	                 VM_RUNNING */
	VM_OFF,
};

/*
 * Why a VM last went down. The crashes (VM_WHY_FAULT and after) are what
 * the VM's restart policy applies to; the others are requests.
 */
enum vm_why {
	VM_WHY_NONE,       /* has not stopped since numbat booted */
	VM_WHY_POWER_OFF,  /* PSCI SYSTEM_OFF */
	VM_WHY_CPUS_OFF,   /* PSCI CPU_OFF of its last vCPU */
	VM_WHY_RESET,      /* PSCI SYSTEM_RESET: a requested restart */
	VM_WHY_OPERATOR,   /* the monitor's stop or restart */
	VM_WHY_FAULT,      /* an access numbat cannot emulate, fault policy stop */
	VM_WHY_SERROR,     /* a physical SError, fault policy stop */
	VM_WHY_WATCHDOG,   /* its watchdog expired */
};

/* A short name for `why`, for reports and the monitor. */
const char *vm_why_name(enum vm_why why);

/* How far a (re)load of a VM's memory has got (vm_load_step). */
struct vm_load {
	unsigned phase;            /* VM_LOAD_ZERO, VM_LOAD_COPY, VM_LOAD_DONE */
	uint64_t not_before;       /* counter value: the restart back-off */
	unsigned idx;              /* region or blob */
	uint64_t off;              /* bytes of it done */
};

/*
 * numbat's reports about a VM (faults, resets): a token bucket kept
 * across the VM's restarts, so no VM can flood the console.
 */
struct vm_reports {
	spinlock_t lock;           /* a leaf, taken before the console's */
	unsigned tokens;
	uint64_t refilled;         /* counter value of the last refill */
	unsigned suppressed;       /* since the last report that went out */
	bool calm;                 /* the bucket was full since the last notice */
};

struct vm {
	const struct vm_config *cfg;
	unsigned ndevs;            /* bound devices, fixed after creation */
	unsigned id;
	/* Before the devices: every vCPU switch reads or updates them atomically. */
	spinlock_t lock;           /* lock order: vm->lock, then console */
	enum vm_state state;       /* protected by lock */
	unsigned loaded;           /* vCPUs loaded on a pCPU; atomic (vm_request) */
	unsigned boots;            /* (re)loads done, the first included */
	/* Near the start: the MMIO path reaches them with short offsets. */
	struct vdev devs[CONFIG_MAX_DEVICES + 2]; /* + the vGIC's windows */
	unsigned crashes;          /* counted against the restart limit; lock */
	enum vm_why last_stop;     /* protected by lock */
	uint64_t started_at;       /* counter value when it last (re)started */
	/*
	 * When a device's timer (vdev_ops.timer) is due, or UINT64_MAX:
	 * written by the device under its own lock, served by vCPU 0's pCPU.
	 */
	uint64_t dev_timer_at;
	bool announce;             /* report vCPU 0's first entry */
	struct arch_stage2 s2;
	struct vcpu vcpus[CONFIG_MAX_VCPUS];
	struct vgic_dist vgic;
	struct vm_load load;       /* VM_LOADING: only vCPU 0's pCPU touches it */
	struct vm_reports reports;
};

extern struct vm vms[CONFIG_MAX_VMS];
extern unsigned vm_count;
/*
 * Report each VM's first entry with the counter value (boot option
 * numbat.entry-stamp; scripts/bench.sh times Linux boots from it).
 */
extern bool vm_entry_stamp;

/* Creates every VM of the system description; reports those it cannot. */
void vm_create_all(void);
/* Starts vCPU 0 of every created VM. */
void vm_start_all(void);

/*
 * Requests a stop or a reset of a running `vm`, for the reason `why`
 * (`msg` says it in the report). A crash (`why` >= VM_WHY_FAULT) passed
 * to vm_stop goes by the VM's restart policy: a reset after a back-off
 * while restarts are left, else a stop.
 */
void vm_stop(struct vm *vm, enum vm_why why, const char *msg);
void vm_reset(struct vm *vm, enum vm_why why, const char *msg);
/*
 * Starts a VM that is off (the monitor's start); its crash count and
 * back-off start afresh. Returns false if it is not off.
 */
bool vm_start(struct vm *vm);
/* vm_vcpu_unloaded's rare part: the last vCPU out of a stopping or resetting VM. */
void vm_last_out(struct vm *vm);

/*
 * Called when a vCPU is taken off its pCPU: finishes stops and resets.
 * Lock-free on the way out of a running VM (every vCPU switch, inline):
 * the store-buffering pairing with vm_request is described there. Only
 * the last vCPU out of a VM being stopped or reset takes the lock, and
 * finishes the transition unless vm_request (or a loader that backed out)
 * already did.
 */
static inline void vm_vcpu_unloaded(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	enum vm_state s;

	CHECK(vcpu->loaded);
	/* Its state is saved (release): a CPU_ON may reset it now (vpsci.c). */
	__atomic_store_n(&vcpu->loaded, false, __ATOMIC_RELEASE);
	if (__atomic_sub_fetch(&vm->loaded, 1, __ATOMIC_SEQ_CST) != 0)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	s = __atomic_load_n(&vm->state, __ATOMIC_RELAXED);
	if (s == VM_STOPPING || s == VM_RESETTING)
		vm_last_out(vm);
}

/*
 * One bounded step of reloading `vm` (state VM_LOADING), run by the
 * scheduler of vCPU 0's pCPU in vCPU 0's turn: at most VM_LOAD_STEP bytes
 * zeroed or copied. The last step resets devices and vCPUs and makes
 * vCPU 0 runnable at the entry point (VM_RUNNING).
 */
void vm_load_step(struct vm *vm);
/*
 * Whether `vm`'s reload must still wait at `now` (a restart's back-off);
 * if so, vCPU 0 is blocked until then. Called by vCPU 0's pCPU.
 */
bool vm_load_wait(struct vm *vm, uint64_t now);

/*
 * A device of `vm` (at most one has a timer) wants its timer called at
 * counter value `at` (UINT64_MAX: never); vCPU 0's pCPU is kicked if that
 * is earlier than what it was told before.
 */
void vm_dev_timer_set(struct vm *vm, uint64_t at);
/*
 * Called by vCPU 0's pCPU when vm->dev_timer_at has passed: runs the
 * devices' timers if the VM runs, else forgets the deadline.
 */
void vm_dev_timer(struct vm *vm, uint64_t now);

/*
 * Whether numbat may print one more report about `vm` now (rate limit);
 * prints how many were suppressed before, if any.
 */
bool vm_may_report(struct vm *vm);

/*
 * Translates [ipa, ipa + len) to a pointer if it lies inside one memory
 * region with all the REGION_* rights in `need`; NULL otherwise.
 */
void *vm_guest_ptr(const struct vm *vm, ipaddr_t ipa, uint64_t len, uint32_t need);
/* The emulated device covering `ipa`, or NULL. Inline: the MMIO path. */
static inline struct vdev *vm_find_device(struct vm *vm, ipaddr_t ipa)
{
	uint64_t a = ipa_addr(ipa);

	for (struct vdev *d = vm->devs; d < vm->devs + vm->ndevs; d++)
		if (a - d->ipa < d->size)   /* also false when a < d->ipa */
			return d;
	return NULL;
}

/*
 * A guest access numbat cannot handle: reports it (rate limited) and
 * applies the VM's fault policy: inject an abort, or stop the VM.
 */
void vm_guest_fault(struct vcpu *vcpu, const char *what, bool instruction,
		    bool write, uint64_t far, uint64_t ipa);

/*
 * A physical SError charged to `vcpu` (loaded on this pCPU): reported like
 * a fault, then its VM's fault policy: a virtual SError, or a stop.
 */
void vm_guest_serror(struct vcpu *vcpu, const char *what);

#endif
