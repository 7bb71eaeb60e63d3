package dev.orderlock.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * Redis commands sent per call by (b), (c) and (d), counted from {@code MONITOR} in the same run: each counted command
 * is one request a client wrote to Redis (the unlock latch's {@code DEL} goes out asynchronously, the rest block the
 * caller).
 */
final class RoundTrips {

	private RoundTrips() {
	}

	/** Variant name to command name to commands per call. */
	static Map<String, Map<String, Double>> measure(String address, String host, int port, int calls)
			throws Exception {
		Map<String, Map<String, Double>> perVariant = new LinkedHashMap<>();
		try (ConfigurableApplicationContext instance = BenchApplication.start(address);
				MonitorCounter monitor = new MonitorCounter(host, port)) {
			HandWrittenOrders handWritten = instance.getBean(HandWrittenOrders.class);
			BenchApplication.LockedOrders locked = instance.getBean(BenchApplication.LockedOrders.class);
			BenchApplication.Lock4jOrders lock4j = instance.getBean(BenchApplication.Lock4jOrders.class);
			perVariant.put("(b) hand-written Redisson", count(monitor, calls, (id) -> {
				try {
					handWritten.touch(id);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException(ex);
				}
			}));
			perVariant.put("(c) @OrderLock", count(monitor, calls, locked::touch));
			perVariant.put("(d) @Lock4j", count(monitor, calls, lock4j::touch));
		}
		return perVariant;
	}

	private static Map<String, Double> count(MonitorCounter monitor, int calls, LongConsumer call)
			throws InterruptedException {
		// Warm up first: the first call also loads the scripts (SCRIPT LOAD) and opens connections.
		for (int i = 0; i < 20; i++) {
			call.accept(7_000_000L + i);
		}
		monitor.reset();
		for (int i = 0; i < calls; i++) {
			call.accept(8_000_000L + i);
		}
		Map<String, Double> perCall = new TreeMap<>();
		monitor.settled().forEach((name, count) -> perCall.put(name, (double) count / calls));
		return perCall;
	}

	static double total(Map<String, Double> perCall) {
		return perCall.values().stream().mapToDouble(Double::doubleValue).sum();
	}

}
