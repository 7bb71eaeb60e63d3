package dev.orderlock.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.orderlock.interceptor.KeyResolutionBenchmark;
import dev.orderlock.testredis.TestRedis;
import org.openjdk.jmh.results.RunResult;

/**
 * The whole performance run, every variant beside its baseline in one run on one Redis, ending in a Markdown report
 * (docs/performance.md explains it). Arguments: {@code full} or {@code smoke} (every benchmark once, briefly, only to
 * prove the suite works), then the report file. Uses {@code -Dorderlock.bench.redis=redis://host:port} when given
 * (Maven: {@code -Dbench.redis=...}), otherwise starts its own {@code redis-server} (as the tests do).
 */
public final class BenchmarkSuite {

	private BenchmarkSuite() {
	}

	public static void main(String[] args) throws Exception {
		boolean smoke = args.length > 0 && args[0].equals("smoke");
		Path reportFile = Path.of((args.length > 1) ? args[1] : "benchmark-report.md").toAbsolutePath();
		Path outputFolder = reportFile.getParent();
		Files.createDirectories(outputFolder);
		Files.deleteIfExists(outputFolder.resolve("fairness.tsv"));
		Files.deleteIfExists(outputFolder.resolve("observed.tsv"));
		String given = System.getProperty(BenchRedis.ADDRESS_PROPERTY, "").trim();
		TestRedis started = given.isEmpty() ? TestRedis.start() : null;
		try {
			String address = given.isEmpty() ? started.address() : given;
			Report report = run(address, outputFolder, smoke);
			String markdown = report.markdown();
			Files.writeString(reportFile, markdown, StandardCharsets.UTF_8);
			System.out.println();
			System.out.println(markdown);
			System.out.println("Report written to " + reportFile);
		}
		finally {
			if (started != null) {
				started.close();
			}
		}
	}

	private static Report run(String address, Path outputFolder, boolean smoke) throws Exception {
		String hostAndPort = address.substring(address.indexOf("//") + 2);
		String host = hostAndPort.substring(0, hostAndPort.lastIndexOf(':'));
		int port = Integer.parseInt(hostAndPort.substring(hostAndPort.lastIndexOf(':') + 1));
		Report report = new Report(address, smoke);

		report.roundTrips = RoundTrips.measure(address, host, port, smoke ? 20 : 500);
		report.watchdog = smoke ? WatchdogCost.measure(address, host, port, 1_000, Duration.ofSeconds(3),
				Duration.ofSeconds(3)) : WatchdogCost.measure(address, host, port, 10_000, Duration.ofSeconds(30),
						Duration.ofSeconds(30));

		JmhRuns jmh = new JmhRuns(address, outputFolder, smoke);
		for (int threads : new int[] { 1, 4 }) {
			report.uncontended.put(threads, new Report.Variants(
					jmh.one(UncontendedBenchmark.class, "plain", threads, true),
					jmh.one(UncontendedBenchmark.class, "handWrittenRedisson", threads, true),
					jmh.one(UncontendedBenchmark.class, "orderLock", threads, true),
					jmh.one(UncontendedBenchmark.class, "lock4j", threads, true), null));
		}
		RunResult one = jmh.group(SideBySideBenchmark.class, "one");
		report.sideBySide.put(1, new Report.Variants(null, Measurement.ofGroupMember(one, "handWrittenRedisson", 1),
				Measurement.ofGroupMember(one, "orderLock", 1), Measurement.ofGroupMember(one, "lock4j", 1),
				Measurement.ofGroupMember(one, "orderLockObserved", 1)));
		RunResult four = jmh.group(SideBySideBenchmark.class, "four");
		report.sideBySide.put(4, new Report.Variants(null, Measurement.ofGroupMember(four, "handWrittenRedisson4", 4),
				Measurement.ofGroupMember(four, "orderLock4", 4), Measurement.ofGroupMember(four, "lock4j4", 4),
				Measurement.ofGroupMember(four, "orderLockObserved4", 4)));
		report.observed = readObserved(outputFolder.resolve("observed.tsv"));
		RunResult pay = jmh.group(CheckBeforeChargeBenchmark.class, "pay");
		report.checkBeforeCharge = List.of(Measurement.ofGroupMember(pay, "orderLock", 1),
				Measurement.ofGroupMember(pay, "orderLockChecked", 1));

		// Contended runs swing by tens of percent from fork to fork: two passes, in the order raw ours hand-off
		// hand-off ours raw, so that drift cancels out of the comparison.
		Measurement raw1 = jmh.one(ContendedBenchmark.class, "handWrittenRedisson", 0, false);
		Measurement ours1 = jmh.one(ContendedBenchmark.class, "orderLock", 0, false);
		Measurement handOff1 = jmh.one(ContendedBenchmark.class, "orderLockLocalHandOff", 0, false);
		Measurement handOff2 = jmh.one(ContendedBenchmark.class, "orderLockLocalHandOff", 0, false);
		Measurement ours2 = jmh.one(ContendedBenchmark.class, "orderLock", 0, false);
		Measurement raw2 = jmh.one(ContendedBenchmark.class, "handWrittenRedisson", 0, false);
		report.contended = List.of(raw1.averagedWith(raw2), ours1.averagedWith(ours2),
				handOff1.averagedWith(handOff2));
		report.fairness = readFairness(outputFolder.resolve("fairness.tsv"));
		report.keyResolution = jmh.all(KeyResolutionBenchmark.class, ".*", 1, true);
		report.heldLocks = jmh.all(HeldLocksBenchmark.class, ".*", 1, true);
		return report;
	}

	/** What (e) recorded per side-by-side group, from what {@link Instance.WithObserved} wrote. */
	private static Map<String, long[]> readObserved(Path file) throws IOException {
		Map<String, long[]> recorded = new LinkedHashMap<>();
		for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
			String[] fields = line.split("\t");
			recorded.put(fields[0].substring(fields[0].lastIndexOf('.') + 1),
					new long[] { Long.parseLong(fields[1]), Long.parseLong(fields[2]) });
		}
		return recorded;
	}

	/** Calls per thread, per benchmark method, from what {@link ThreadOps} wrote. */
	private static Map<String, long[]> readFairness(Path file) throws IOException {
		Map<String, Map<Integer, Long>> perBenchmark = new LinkedHashMap<>();
		for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
			String[] fields = line.split("\t");
			String method = fields[0].substring(fields[0].lastIndexOf('.') + 1);
			perBenchmark.computeIfAbsent(method, (m) -> new TreeMap<>())
				.merge(Integer.parseInt(fields[1]), Long.parseLong(fields[2]), Long::sum);
		}
		Map<String, long[]> calls = new LinkedHashMap<>();
		perBenchmark.forEach((method, byThread) -> calls.put(method,
				byThread.values().stream().mapToLong(Long::longValue).toArray()));
		return calls;
	}

}
