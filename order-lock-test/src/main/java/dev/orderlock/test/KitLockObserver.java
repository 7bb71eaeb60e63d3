package dev.orderlock.test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.orderlock.LockObserver;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The kit's observer in the application under test. Idle unless a {@link Probe} runs on the calling thread or a
 * {@link Trap} is set; then, right after the application acquired a lock, it asks Redis (through the application's
 * own client) who holds the lock the probe or trap is about. Whatever it throws is logged by the template and
 * changes nothing for the call.
 */
final class KitLockObserver implements LockObserver, DisposableBean {

	/** Observers of running contexts: a probe or trap without any would wait for nothing. */
	private static final Set<KitLockObserver> live = ConcurrentHashMap.newKeySet();

	private static final ThreadLocal<@Nullable Probe> probes = new ThreadLocal<>();

	private static final Set<Trap> traps = ConcurrentHashMap.newKeySet();

	private final ObjectProvider<RedissonClient> redisson;

	private final String prefix;

	KitLockObserver(ObjectProvider<RedissonClient> redisson, String prefix) {
		this.redisson = redisson;
		this.prefix = prefix;
		live.add(this);
	}

	@Override
	public void destroy() {
		live.remove(this);
	}

	static boolean anyLive() {
		return !live.isEmpty();
	}

	@Override
	public Attempt waiting(String origin) {
		Probe probe = probes.get();
		if (probe == null && traps.isEmpty()) {
			return Attempt.NONE;
		}
		return new Watched(origin, probe, Thread.currentThread().getId());
	}

	/** Runs {@code code} with {@code probe} listening on this thread. */
	static void probing(Probe probe, Runnable code) {
		Probe outer = probes.get();
		probes.set(probe);
		try {
			code.run();
		}
		finally {
			probes.set(outer);
		}
	}

	static void set(Trap trap) {
		traps.add(trap);
	}

	static void clear(Trap trap) {
		traps.remove(trap);
	}

	/** The hash fields of a Redisson lock (owners, and a read/write lock's mode); empty when it is free. */
	private Set<String> owners(RedissonClient client, String name) {
		return client.<String, String>getMap(name, StringCodec.INSTANCE).readAllKeySet();
	}

	private final class Watched implements Attempt {

		private final String origin;

		private final @Nullable Probe probe;

		private final long thread;

		Watched(String origin, @Nullable Probe probe, long thread) {
			this.origin = origin;
			this.probe = probe;
			this.thread = thread;
			if (probe != null) {
				probe.attempted(origin);
			}
		}

		@Override
		public void acquired() {
			RedissonClient client = KitLockObserver.this.redisson.getIfAvailable();
			if (client == null) {
				return;
			}
			String clientId = client.getId();
			if (this.probe != null) {
				Set<String> owners = owners(client, KitLockObserver.this.prefix + ":" + this.probe.key);
				String byThread = clientId + ":" + this.thread;
				for (String owner : owners) {
					// A blocking call owns its lock by thread (a write lock's field says so too); an asynchronous
					// one by a negative call id of this client.
					if (owner.equals(byThread) || owner.equals(byThread + ":write")
							|| owner.startsWith(clientId + ":-")) {
						this.probe.confirmed(this);
						break;
					}
				}
			}
			for (Trap trap : traps) {
				if (trap.name().startsWith(KitLockObserver.this.prefix + ":")) {
					for (String owner : owners(client, trap.name())) {
						if (owner.startsWith(clientId + ":") && traps.remove(trap)) {
							// What an expired lease leaves behind: no lock at all, so the owner's release and its
							// check before a commit find it gone.
							client.getLock(trap.name()).forceUnlock();
							trap.fired();
							break;
						}
					}
				}
			}
		}

		@Override
		public void leaseLost() {
			if (this.probe != null) {
				this.probe.lost(this);
			}
		}

		@Override
		public String toString() {
			return this.origin;
		}

	}

	/** What one {@link OrderLockAssertions#assertRunsUnderLock} saw on its thread. */
	static final class Probe {

		final String key;

		private final List<String> attempts = new ArrayList<>();

		private final List<Attempt> confirmed = new ArrayList<>();

		private final List<Attempt> lost = new ArrayList<>();

		Probe(String key) {
			this.key = key;
		}

		synchronized void attempted(String origin) {
			this.attempts.add(origin);
		}

		synchronized void confirmed(Attempt attempt) {
			this.confirmed.add(attempt);
		}

		synchronized void lost(Attempt attempt) {
			this.lost.add(attempt);
		}

		synchronized List<String> attempts() {
			return List.copyOf(this.attempts);
		}

		/** Whether some lock was confirmed in Redis as this thread's lock of the key and was not found lost. */
		synchronized boolean heldThroughout() {
			for (Attempt attempt : this.confirmed) {
				if (!this.lost.contains(attempt)) {
					return true;
				}
			}
			return false;
		}

		synchronized boolean confirmedButLost() {
			return !this.confirmed.isEmpty() && !heldThroughout();
		}

	}

	/** A lease {@link OtherInstance#loseLeaseOnceAcquired} takes away; its lock's Redis name, with the prefix. */
	static final class Trap {

		private final String name;

		private volatile boolean fired;

		Trap(String name) {
			this.name = name;
		}

		String name() {
			return this.name;
		}

		void fired() {
			this.fired = true;
		}

		boolean hasFired() {
			return this.fired;
		}

	}

}
