package dev.orderlock.demo.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A steady load on two instances while a fault happens: each worker takes the next order and sends its pay to one
 * instance and its cancel to the other at the same moment, waits for both answers, and goes on, until stopped.
 */
final class SteadyLoad implements AutoCloseable {

	private final Traffic traffic;

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final AtomicInteger next = new AtomicInteger();

	private final List<CompletableFuture<Void>> workers = new ArrayList<>();

	private SteadyLoad(Traffic traffic) {
		this.traffic = traffic;
	}

	static SteadyLoad start(int workers, List<Long> orderIds, DemoProcess first, DemoProcess second) {
		SteadyLoad load = new SteadyLoad(new Traffic(2 * workers));
		for (int w = 0; w < workers; w++) {
			load.workers.add(CompletableFuture.runAsync(() -> {
				while (load.running.get()) {
					int i = load.next.getAndIncrement();
					long id = orderIds.get(i);
					DemoProcess payer = (i % 2 == 0) ? first : second;
					DemoProcess canceller = (i % 2 == 0) ? second : first;
					CompletableFuture.allOf(load.traffic.pay(payer, id), load.traffic.cancel(canceller, id)).join();
				}
			}));
		}
		return load;
	}

	Traffic traffic() {
		return this.traffic;
	}

	/** How many orders the load has taken so far. */
	int orders() {
		return this.next.get();
	}

	/** When the first call to {@code instance} sent at or after {@code since} was answered 200, if one was. */
	OptionalLong firstSuccessAfter(DemoProcess instance, long since) {
		return this.traffic.calls()
			.stream()
			.filter((call) -> call.instance().equals(instance.name()) && call.sentAt() >= since && call.ok())
			.mapToLong(Traffic.Call::answeredAt)
			.min();
	}

	/** Stops the workers after their current pair and waits for them. */
	@Override
	public void close() {
		this.running.set(false);
		try {
			CompletableFuture.allOf(this.workers.toArray(CompletableFuture[]::new)).get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException("A load worker failed", ex.getCause());
		}
	}

}
