/**
 * The fault suite (issue 7): the demo application's jar run as separate JVM processes sharing one Redis and one
 * database, killed, paused and cut off from Redis while they pay and cancel, with the money invariant checked from
 * the database afterwards. Run by Failsafe in the {@code faults} profile; see docs/reliability.md.
 */
package dev.orderlock.demo.faults;
