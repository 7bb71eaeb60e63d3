package dev.orderlock.demo.race;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

import dev.orderlock.demo.payment.PaymentProperties;

import org.springframework.core.env.Environment;
import org.springframework.stereotype.Service;

/**
 * Runs a race twice, lock on then lock off, each against freshly started instances (see {@link RaceInstances}) that
 * share this application's Redis and database, whatever this application's own {@code order-lock.enabled} is.
 * Keeps the last {@value #KEPT} runs in memory for the web page. One race at a time per application: a second one is
 * refused with {@link RaceRejectedException}.
 */
@Service
public class RaceService {

	static final int MAX_ORDERS = 200;

	private static final int KEPT = 20;

	private final Environment environment;

	private final PaymentProperties payment;

	private final Race race = new Race();

	private final ReentrantLock running = new ReentrantLock();

	private final Deque<RaceRun> runs = new ArrayDeque<>();

	RaceService(Environment environment, PaymentProperties payment) {
		this.environment = environment;
		this.payment = payment;
	}

	/** Races {@code orders} orders over {@code instances} instances with the lock on, then off. */
	public RaceRun run(int orders, int instances) {
		if (orders < 1 || orders > MAX_ORDERS) {
			throw RaceRejectedException.invalid("orders must be between 1 and " + MAX_ORDERS + ", was " + orders + ".");
		}
		if (instances < 1 || instances > 2) {
			throw RaceRejectedException.invalid("instances must be 1 or 2, was " + instances + ".");
		}
		if (!this.running.tryLock()) {
			throw RaceRejectedException.running();
		}
		try {
			Instant at = Instant.now();
			RaceResult on = raceOnce(true, orders, instances);
			RaceResult off = raceOnce(false, orders, instances);
			RaceRun run = new RaceRun(at, orders, instances, this.payment.latency().toMillis(), on, off);
			synchronized (this.runs) {
				this.runs.addFirst(run);
				while (this.runs.size() > KEPT) {
					this.runs.removeLast();
				}
			}
			return run;
		}
		finally {
			this.running.unlock();
		}
	}

	/**
	 * Races {@code orders} orders against instances running elsewhere (e.g. two {@code java -jar} on one Redis and
	 * one PostgreSQL), as they are configured: one side only.
	 */
	public RaceResult runAgainst(List<URI> targets, int orders) {
		if (orders < 1 || orders > MAX_ORDERS) {
			throw RaceRejectedException.invalid("orders must be between 1 and " + MAX_ORDERS + ", was " + orders + ".");
		}
		boolean locked = targets.stream().allMatch(this.race::lockEnabled);
		return this.race.run(locked, targets, orders);
	}

	/** The last runs, newest first. */
	public List<RaceRun> recentRuns() {
		synchronized (this.runs) {
			return List.copyOf(this.runs);
		}
	}

	private RaceResult raceOnce(boolean lockEnabled, int orders, int instances) {
		try (RaceInstances started = RaceInstances.start(this.environment, lockEnabled, instances)) {
			return this.race.run(lockEnabled, started.urls(), orders);
		}
	}

}
