package dev.orderlock.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * The Markdown report of one run: every table, and each target of the performance issue judged on ratios measured in
 * that run.
 */
final class Report {

	private final String redisAddress;

	private final boolean smoke;

	Map<String, Map<String, Double>> roundTrips;

	WatchdogCost watchdog;

	final Map<Integer, Variants> uncontended = new LinkedHashMap<>();

	final Map<Integer, Variants> sideBySide = new LinkedHashMap<>();

	/** Per side-by-side group: calls (e) recorded as {@code order.lock.wait} and as {@code order.lock} observations. */
	Map<String, long[]> observed = Map.of();

	List<Measurement> contended;

	Map<String, long[]> fairness;

	List<Measurement> keyResolution;

	List<Measurement> heldLocks;

	List<Measurement> checkBeforeCharge;

	private final List<String[]> targets = new ArrayList<>();

	Report(String redisAddress, boolean smoke) {
		this.redisAddress = redisAddress;
		this.smoke = smoke;
	}

	/**
	 * (a) to (e) at one thread count; (a) and (e) ({@code @OrderLock} with meters and observation) are {@code null}
	 * where they were not run.
	 */
	record Variants(@Nullable Measurement plain, Measurement handWritten, Measurement orderLock, Measurement lock4j,
			@Nullable Measurement observed) {
	}

	String markdown() {
		StringBuilder md = new StringBuilder();
		md.append("# order-lock benchmark report\n\n");
		md.append("- run: ").append(OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS))
			.append(this.smoke ? " (SMOKE run: one short iteration each; the numbers mean nothing)" : "")
			.append('\n');
		md.append("- machine: ").append(machine()).append('\n');
		md.append("- Redis: ").append(this.redisAddress).append(" (loopback)\n\n");
		roundTripSection(md);
		uncontendedSection(md);
		sideBySideSection(md);
		contendedSection(md);
		keyResolutionSection(md);
		heldLocksSection(md);
		checkBeforeChargeSection(md);
		watchdogSection(md);
		md.append("## Targets (ratios within this run)\n\n| target | measured | met |\n|---|---|---|\n");
		for (String[] target : this.targets) {
			md.append("| ").append(target[0]).append(" | ").append(target[1]).append(" | ")
				.append(this.smoke ? "not judged (smoke)" : target[2]).append(" |\n");
		}
		return md.toString();
	}

	private void roundTripSection(StringBuilder md) {
		md.append("## Redis commands per call (counted with MONITOR, script-internal commands left out)\n\n");
		md.append("| variant | commands per call | total |\n|---|---|---|\n");
		this.roundTrips.forEach((variant, perCall) -> md.append("| ").append(variant).append(" | ")
			.append(perCall.entrySet().stream().map((e) -> e.getKey() + " " + fmt(e.getValue(), 2))
				.collect(Collectors.joining(", ")))
			.append(" | ").append(fmt(RoundTrips.total(perCall), 2)).append(" |\n"));
		md.append('\n');
		List<Map<String, Double>> variants = new ArrayList<>(this.roundTrips.values());
		double b = RoundTrips.total(variants.get(0));
		double c = RoundTrips.total(variants.get(1));
		target("round trips per call, (c) = (b)", fmt(c, 2) + " vs " + fmt(b, 2),
				variants.get(0).equals(variants.get(1)));
	}

	private void uncontendedSection(StringBuilder md) {
		md.append("## Uncontended: the same trivial method, each thread on its own orders\n\n");
		md.append("Each variant in a fork of its own, one after the other. Throughput is threads / mean call time "
				+ "(sample-time mode). Separate forks drift apart by 10–40 % on this machine, so these ratios are "
				+ "indicative; the targets are judged side by side, in the next table.\n\n");
		variantsTable(md, this.uncontended);
	}

	private void sideBySideSection(StringBuilder md) {
		md.append("## Side by side: (b), (c), (d) and (e) running at the same time in one fork\n\n");
		md.append("A JMH group: each variant on its own threads and orders, all four at once, so each sees the same "
				+ "JIT state, Redis and machine noise. (e) is (c) in a second application context on the same "
				+ "RedissonClient, with a SimpleMeterRegistry and an ObservationRegistry (DefaultMeterObservationHandler): "
				+ "order-lock's meters and observations on, as in an application with metrics.\n\n");
		variantsTable(md, this.sideBySide);
		md.append("Recording check: at each fork's start (e) recorded each of its calls (order.lock.wait, "
				+ "order.lock.held, order.lock and order.lock.acquire observations) and (c)'s context had no registry "
				+ "and a no-op observer, or the fork failed. Calls (e) recorded over the whole trial (warm-up "
				+ "included): ")
			.append(this.observed.isEmpty() ? "none reported"
					: this.observed.entrySet().stream()
						.map((e) -> "group `" + e.getKey() + "` " + fmt(e.getValue()[0], 0) + " order.lock.wait and "
								+ fmt(e.getValue()[1], 0) + " order.lock observations")
						.collect(Collectors.joining("; ")))
			.append(".\n\n");
		this.sideBySide.forEach((threads, run) -> {
			double throughput = run.orderLock().throughput() / run.handWritten().throughput();
			double p50 = run.orderLock().p50Nanos() / run.handWritten().p50Nanos();
			double overLock4j = run.orderLock().throughput() / run.lock4j().throughput();
			target("side by side, " + threads + " thread(s) each: (c)/(b) throughput ≥ 0.97", fmt(throughput, 3),
					throughput >= 0.97);
			target("side by side, " + threads + " thread(s) each: (c)/(b) p50 ≤ 1.03", fmt(p50, 3), p50 <= 1.03);
			target("side by side, " + threads + " thread(s) each: (c)/(d) throughput ≥ 1.3", fmt(overLock4j, 3),
					overLock4j >= 1.3);
			Measurement observed = run.observed();
			if (observed != null) {
				double recording = observed.throughput() / run.orderLock().throughput();
				double recordingP50 = observed.p50Nanos() / run.orderLock().p50Nanos();
				target("side by side, " + threads + " thread(s) each: (e) with meters + observation / (c) throughput "
						+ "≥ 0.97 (p50 ratio shown, not judged)", fmt(recording, 3) + " (p50 " + fmt(recordingP50, 3)
								+ ")", recording >= 0.97);
			}
		});
	}

	private static void variantsTable(StringBuilder md, Map<Integer, Variants> runs) {
		md.append("| threads | variant | calls/s | p50 µs | p99 µs | alloc B/call (JVM) | calls/s vs (b) | "
				+ "p50 vs (b) |\n|---|---|---|---|---|---|---|---|\n");
		runs.forEach((threads, run) -> {
			if (run.plain() != null) {
				row(md, threads, "(a) unlocked", run.plain(), run.handWritten());
			}
			row(md, threads, "(b) hand-written Redisson", run.handWritten(), run.handWritten());
			row(md, threads, "(c) @OrderLock", run.orderLock(), run.handWritten());
			row(md, threads, "(d) @Lock4j", run.lock4j(), run.handWritten());
			if (run.observed() != null) {
				row(md, threads, "(e) @OrderLock + meters + observation", run.observed(), run.handWritten());
			}
		});
		md.append('\n');
	}

	private static void row(StringBuilder md, int threads, String variant, Measurement m, Measurement baseline) {
		md.append("| ").append(threads).append(" | ").append(variant).append(" | ").append(fmt(m.throughput(), 0))
			.append(" | ").append(fmt(m.p50Nanos() / 1000, 1)).append(" | ").append(fmt(m.p99Nanos() / 1000, 1))
			.append(" | ").append(fmt(m.allocBytes(), 0)).append(" | ")
			.append(fmt(m.throughput() / baseline.throughput(), 3)).append(" | ")
			.append(fmt(m.p50Nanos() / baseline.p50Nanos(), 3)).append(" |\n");
	}

	private void contendedSection(StringBuilder md) {
		md.append("## Contended: ").append(ContendedBenchmark.THREADS).append(" threads of one instance on one order\n\n");
		md.append("Latency is the whole call: waiting for the lock, the trivial body, the release. Each variant is "
				+ "the mean of two forks run in the order raw, ours, hand-off, hand-off, ours, raw. Fairness: calls "
				+ "per thread over both measurements, and Jain's index (1.0 = perfectly even, 1/threads = one thread "
				+ "got everything).\n\n");
		md.append("| variant | calls/s | p50 µs | p99 µs | calls per thread (min–max) | Jain | calls/s vs raw | "
				+ "p99 vs raw |\n|---|---|---|---|---|---|---|---|\n");
		Measurement raw = find(this.contended, "handWrittenRedisson");
		for (Measurement m : this.contended) {
			long[] calls = this.fairness.getOrDefault(m.name(), new long[0]);
			md.append("| ").append(m.name()).append(" | ").append(fmt(m.throughput(), 0)).append(" | ")
				.append(fmt(m.p50Nanos() / 1000, 0)).append(" | ").append(fmt(m.p99Nanos() / 1000, 0)).append(" | ")
				.append(minMax(calls)).append(" | ").append(fmt(jain(calls), 3)).append(" | ")
				.append(fmt(m.throughput() / raw.throughput(), 3)).append(" | ")
				.append(fmt(m.p99Nanos() / raw.p99Nanos(), 3)).append(" |\n");
		}
		md.append('\n');
		Measurement ours = find(this.contended, "orderLock");
		Measurement handOff = find(this.contended, "orderLockLocalHandOff");
		double oursRatio = ours.throughput() / raw.throughput();
		target("contended: @OrderLock/raw throughput ≥ 0.97 (matches, within noise)", fmt(oursRatio, 3),
				oursRatio >= 0.97);
		double handOffRatio = handOff.throughput() / raw.throughput();
		double handOffP99 = handOff.p99Nanos() / raw.p99Nanos();
		target("contended: local hand-off raises throughput (> 1.0) and cuts p99 (< 1.0) vs raw",
				fmt(handOffRatio, 3) + " / p99 " + fmt(handOffP99, 3), handOffRatio > 1.0 && handOffP99 < 1.0);
	}

	private void keyResolutionSection(StringBuilder md) {
		md.append("## Key resolution alone (no Redis)\n\n| expression | ns/call | alloc B/call |\n|---|---|---|\n");
		for (Measurement m : this.keyResolution) {
			md.append("| ").append(m.name()).append(" | ").append(fmt(m.meanNanos(), 1)).append(" | ")
				.append(fmt(m.allocBytes(), 0)).append(" |\n");
		}
		md.append('\n');
		for (Measurement m : this.keyResolution) {
			if (!m.name().equals("handWritten")) {
				target("key resolution " + m.name() + " ≤ 1 µs", fmt(m.meanNanos(), 1) + " ns", m.meanNanos() <= 1000);
			}
		}
	}

	private void checkBeforeChargeSection(StringBuilder md) {
		md.append("## The check before an irreversible step (side by side, one fork)\n\n");
		md.append("| variant | mean µs | p50 µs | p99 µs |\n|---|---|---|---|\n");
		for (Measurement m : this.checkBeforeCharge) {
			md.append("| ").append(m.name()).append(" | ").append(fmt(m.meanNanos() / 1000, 1)).append(" | ")
				.append(fmt(m.p50Nanos() / 1000, 1)).append(" | ").append(fmt(m.p99Nanos() / 1000, 1)).append(" |\n");
		}
		Measurement plain = this.checkBeforeCharge.get(0);
		Measurement checked = this.checkBeforeCharge.get(1);
		md.append("\nOrderLockContext.checkStillHeld() costs ")
			.append(fmt((checked.meanNanos() - plain.meanNanos()) / 1000, 1)).append(" µs per call (checked/unchecked "
					+ "mean ").append(fmt(checked.meanNanos() / plain.meanNanos(), 3))
			.append("): one HEXISTS round trip.\n\n");
	}

	private void heldLocksSection(StringBuilder md) {
		md.append("## Cost as the work grows: calls while the same client holds other watchdog locks\n\n");
		md.append("Caller alloc counts only what the calling thread allocates per call (so (c) − (b) is the aspect's "
				+ "own); JVM alloc is -prof gc's gc.alloc.rate.norm, which includes Redisson's I/O and watchdog "
				+ "threads.\n\n");
		md.append("| benchmark | calls/s | mean µs | caller alloc B/call | JVM alloc B/call |\n|---|---|---|---|---|\n");
		for (Measurement m : this.heldLocks) {
			md.append("| ").append(m.name()).append(" | ").append(fmt(m.throughput(), 0)).append(" | ")
				.append(fmt(m.meanNanos() / 1000, 1)).append(" | ").append(fmt(m.callerAllocBytes(), 0)).append(" | ")
				.append(fmt(m.allocBytes(), 0)).append(" |\n");
		}
		md.append('\n');
		double ownFew = find(this.heldLocks, "orderLock heldLocks=0").callerAllocBytes()
				- find(this.heldLocks, "handWrittenRedisson heldLocks=0").callerAllocBytes();
		double ownMany = find(this.heldLocks, "orderLock heldLocks=10000").callerAllocBytes()
				- find(this.heldLocks, "handWrittenRedisson heldLocks=10000").callerAllocBytes();
		target("aspect's own allocation per call, (c) − (b) in the calling thread, flat from 0 to 10,000 held locks "
				+ "(within ±10 % or ±32 B)", fmt(ownFew, 0) + " B → " + fmt(ownMany, 0) + " B",
				Math.abs(ownMany - ownFew) <= Math.max(32, Math.abs(ownFew) * 0.1));
	}

	private void watchdogSection(StringBuilder md) {
		WatchdogCost w = this.watchdog;
		md.append("## ").append(w.locks).append(" locks held at once, watchdog on\n\n");
		md.append("- watchdog timeout ").append(w.watchdogTimeout.toSeconds()).append(" s (renewal every third of it), "
				+ "measured over ").append(w.window.toSeconds()).append(" s\n");
		md.append("- renewal requests (scripts) per second: ").append(fmt(w.renewalRequestsPerSecond, 1))
			.append("; lock expiries extended per second: ").append(fmt(w.renewedLocksPerSecond, 0)).append('\n');
		md.append("- all Redis commands in the window (including those run inside scripts): ")
			.append(w.commandsInWindow).append('\n');
		md.append("- Redis memory per held lock: ").append(fmt(w.bytesPerLock, 0))
			.append(" B (used_memory delta / locks); MEMORY USAGE of one lock key: ").append(w.memoryUsageOfOneLock)
			.append(" B\n\n");
	}

	private void target(String name, String measured, boolean met) {
		this.targets.add(new String[] { name, measured, met ? "yes" : "**MISSED**" });
	}

	private static Measurement find(List<Measurement> measurements, String name) {
		return measurements.stream()
			.filter((m) -> m.name().equals(name))
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No result for " + name + " in " + measurements));
	}

	private static String minMax(long[] calls) {
		if (calls.length == 0) {
			return "n/a";
		}
		long min = Long.MAX_VALUE;
		long max = Long.MIN_VALUE;
		for (long c : calls) {
			min = Math.min(min, c);
			max = Math.max(max, c);
		}
		return min + "–" + max;
	}

	static double jain(long[] calls) {
		double sum = 0;
		double squares = 0;
		for (long c : calls) {
			sum += c;
			squares += (double) c * c;
		}
		return (squares == 0) ? Double.NaN : (sum * sum) / (calls.length * squares);
	}

	private static String fmt(double value, int decimals) {
		return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, "%,." + decimals + "f", value);
	}

	private static String machine() {
		String cpu = "unknown CPU";
		try {
			cpu = Files.readAllLines(Path.of("/proc/cpuinfo"))
				.stream()
				.filter((line) -> line.startsWith("model name"))
				.map((line) -> line.substring(line.indexOf(':') + 1).trim())
				.findFirst()
				.orElse(cpu);
		}
		catch (IOException | RuntimeException ex) {
			// not Linux: the rest still identifies the machine
		}
		return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), "
				+ (Runtime.getRuntime().maxMemory() >> 20) + " MiB max heap in the suite, "
				+ System.getProperty("os.name") + " " + System.getProperty("os.version") + ", Java "
				+ System.getProperty("java.vm.version") + " (" + System.getProperty("java.vm.vendor") + ")";
	}

}
