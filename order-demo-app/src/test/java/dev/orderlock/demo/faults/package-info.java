/**
 * The fault suite (issue 7): the demo application's jar run as separate JVM processes sharing one Redis and one
 * database, killed, paused and cut off from Redis while they pay and cancel, with the money invariant checked from
 * the database afterwards. Run by Failsafe in the {@code faults} profile; see docs/reliability.md. {@code SoakIT},
 * the Redis faults recurring under load for 15 minutes, runs only in the {@code soak} profile, never in CI.
 */
package dev.orderlock.demo.faults;
