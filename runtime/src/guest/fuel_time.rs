//! A guest's time on the virtual clock (`crate::time`): in fuel mode, fuel is the guest's time —
//! `per_ms` units are one millisecond — so the clock moves by what the guest spent, at each host
//! call and when it returns. The budget is the smaller of `exec` and what is left of `total`;
//! which one bounds it decides whether running out of fuel is an `exec` or a `total` timeout.
//! After a host call (which may itself have spent virtual time) the budget shrinks to what is
//! left of `total`.

use std::time::{Duration, Instant};

use wasmtime::{AsContextMut, StoreContextMut};

use super::state::HostState;

/// The fuel account of one guest call on the virtual clock.
#[derive(Debug, Clone, Copy)]
pub struct FuelTime {
    pub per_ms: u64,
    /// Fuel left when the clock was last moved.
    pub synced: u64,
    /// Fuel spent in all.
    pub spent: u64,
    /// Whether what is left of `total` (not `exec`) bounds the fuel left.
    pub total_bound: bool,
}

/// Fuel for `d` at `per_ms` units per millisecond.
pub fn fuel_for(d: Duration, per_ms: u64) -> u64 {
    let fuel = d.as_nanos().saturating_mul(per_ms as u128) / 1_000_000;
    u64::try_from(fuel).unwrap_or(u64::MAX)
}

/// The time `fuel` units stand for.
pub fn time_of(fuel: u64, per_ms: u64) -> Duration {
    let ns = (fuel as u128).saturating_mul(1_000_000) / per_ms.max(1) as u128;
    Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
}

/// The starting budget: `exec`, or what is left of `total` if that is less.
pub fn start(exec: Duration, deadline: Instant, now: Instant, per_ms: u64) -> FuelTime {
    let exec_fuel = fuel_for(exec, per_ms);
    let total_fuel = fuel_for(deadline.saturating_duration_since(now), per_ms);
    FuelTime {
        per_ms,
        synced: exec_fuel.min(total_fuel),
        spent: 0,
        total_bound: total_fuel < exec_fuel,
    }
}

/// Moves the virtual clock on by the fuel spent since the last call.
pub fn spend(mut ctx: impl AsContextMut<Data = HostState>) {
    let mut ctx: StoreContextMut<'_, HostState> = ctx.as_context_mut();
    let Some(mut account) = ctx.data().fuel_time else {
        return;
    };
    let left = ctx.get_fuel().unwrap_or(0);
    let spent = account.synced.saturating_sub(left);
    account.synced = left;
    account.spent = account.spent.saturating_add(spent);
    let state = ctx.data_mut();
    state.time.advance(time_of(spent, account.per_ms));
    state.fuel_time = Some(account);
}

/// After a host call: the fuel left may not outlast what is left of `total`.
pub fn cap_to_deadline(mut ctx: impl AsContextMut<Data = HostState>) {
    let mut ctx: StoreContextMut<'_, HostState> = ctx.as_context_mut();
    let Some(mut account) = ctx.data().fuel_time else {
        return;
    };
    let state = ctx.data();
    let total_left = fuel_for(
        state
            .clock
            .deadline
            .saturating_duration_since(state.time.now()),
        account.per_ms,
    );
    let left = ctx.get_fuel().unwrap_or(0);
    if total_left < left && ctx.set_fuel(total_left).is_ok() {
        account.synced = total_left;
        account.total_bound = true;
        ctx.data_mut().fuel_time = Some(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuel_and_time_convert_both_ways() {
        assert_eq!(fuel_for(Duration::from_millis(30), 1_000), 30_000);
        assert_eq!(time_of(30_000, 1_000), Duration::from_millis(30));
        assert_eq!(fuel_for(Duration::MAX, u64::MAX), u64::MAX);
        assert_eq!(time_of(5, 0), Duration::from_nanos(5_000_000));
    }

    #[test]
    fn the_smaller_of_exec_and_total_bounds_the_budget() {
        let now = Instant::now();
        let exec_bound = start(
            Duration::from_millis(10),
            now + Duration::from_secs(1),
            now,
            100,
        );
        assert_eq!((exec_bound.synced, exec_bound.total_bound), (1_000, false));
        let total_bound = start(
            Duration::from_secs(5),
            now + Duration::from_secs(1),
            now,
            100,
        );
        assert_eq!(
            (total_bound.synced, total_bound.total_bound),
            (100_000, true)
        );
    }
}
