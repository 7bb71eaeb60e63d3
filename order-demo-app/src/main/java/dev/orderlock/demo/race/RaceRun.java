package dev.orderlock.demo.race;

import java.time.Instant;

/**
 * One race, run twice with the same settings: with the lock on and with it off.
 *
 * @param at when it started
 * @param orders orders per race
 * @param instances instances per race
 * @param latencyMillis the gateway latency the instances ran with
 * @param lockOn the race with {@code order-lock.enabled=true}
 * @param lockOff the race with {@code order-lock.enabled=false}
 */
public record RaceRun(Instant at, int orders, int instances, long latencyMillis, RaceResult lockOn,
		RaceResult lockOff) {
}
