package dev.orderlock.demo.race;

import java.net.URI;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Formats a {@link RaceRun} as the plain-text table the race command prints: lock on and lock off side by side.
 */
final class RaceTable {

	private RaceTable() {
	}

	static String format(RaceRun run) {
		StringBuilder out = new StringBuilder();
		out.append(String.format("%nRace: %d orders, pay and cancel fired at the same moment for each, %d instance(s) "
				+ "per side, gateway latency %d ms%n%n", run.orders(), run.instances(), run.latencyMillis()));
		out.append(String.format("  %-30s %10s %10s%n", "", "lock ON", "lock OFF"));
		row(out, run, "orders", RaceResult::orders, "");
		row(out, run, "ended PAID", RaceResult::paid, "");
		row(out, run, "ended CANCELLED", RaceResult::cancelled, "");
		row(out, run, "both succeeded", RaceResult::bothSucceeded, "<- told \"cancelled\" and \"paid\"");
		row(out, run, "charged then cancelled", RaceResult::chargedThenCancelled, "<- money taken, order cancelled");
		row(out, run, "ledger mismatches", RaceResult::ledgerMismatches, "<- money held != final status");
		row(out, run, "lock busy (409 ORDER_LOCKED)", RaceResult::lockBusy, "");
		row(out, run, "errors (5xx, timeouts)", RaceResult::errors, "");
		out.append(String.format("  %-30s %9.1fs %9.1fs%n", "burst took", run.lockOn().millis() / 1000.0,
				run.lockOff().millis() / 1000.0));
		out.append(String.format("%n  %s%n", verdict(run)));
		return out.toString();
	}

	/** One column: a race against running instances. */
	static String format(RaceResult result, List<URI> targets) {
		StringBuilder out = new StringBuilder();
		out.append(String.format("%nRace: %d orders, pay and cancel fired at the same moment for each, against %s "
				+ "(lock %s)%n%n", result.orders(), targets, result.lockEnabled() ? "ON" : "OFF"));
		String[][] rows = { { "orders", "" + result.orders() }, { "ended PAID", "" + result.paid() },
				{ "ended CANCELLED", "" + result.cancelled() }, { "both succeeded", "" + result.bothSucceeded() },
				{ "charged then cancelled", "" + result.chargedThenCancelled() },
				{ "ledger mismatches", "" + result.ledgerMismatches() },
				{ "lock busy (409 ORDER_LOCKED)", "" + result.lockBusy() },
				{ "errors (5xx, timeouts)", "" + result.errors() } };
		for (String[] row : rows) {
			out.append(String.format("  %-30s %10s%n", row[0], row[1]));
		}
		out.append(String.format("%n  %d wrong outcomes.%n", result.violations()));
		return out.toString();
	}

	private static void row(StringBuilder out, RaceRun run, String label, ToIntFunction<RaceResult> value,
			String note) {
		out.append(String.format("  %-30s %10d %10d  %s%n", label, value.applyAsInt(run.lockOn()),
				value.applyAsInt(run.lockOff()), note).stripTrailing()).append(System.lineSeparator());
	}

	static String verdict(RaceRun run) {
		if (run.lockOn().violations() > 0 || run.lockOn().errors() > 0) {
			return "LOCK ON FAILED: " + run.lockOn().violations() + " wrong outcomes, " + run.lockOn().errors()
					+ " errors with the lock on.";
		}
		if (run.lockOff().violations() == 0) {
			return "Lock on: no wrong outcome. Lock off happened to show none this time either; "
					+ "raise demo.payment.latency or the number of orders.";
		}
		return "Lock on: no wrong outcome. Lock off: " + run.lockOff().violations() + " wrong outcomes in "
				+ run.orders() + " orders.";
	}

}
