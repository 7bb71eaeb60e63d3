package dev.orderlock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.netty.util.Timeout;
import org.jspecify.annotations.Nullable;
import org.redisson.RedissonFencedLock;
import org.redisson.RedissonLockEntry;
import org.redisson.RedissonObject;
import org.redisson.api.RFuture;
import org.redisson.client.codec.LongCodec;
import org.redisson.client.protocol.RedisCommands;
import org.redisson.command.CommandAsyncExecutor;
import org.redisson.misc.CompletableFutureWrapper;

/**
 * Redisson's fenced lock with tokens that do not go backwards when Redis loses its data. A token is the larger of the
 * last token plus one and the Redis server's clock in microseconds ({@code TIME}), both read in the acquire script
 * that takes the lock; the last token is kept in Redisson's counter key, {@code redisson_lock_token:{<name>}}, which
 * now expires {@link #TOKEN_TTL} after the last grant instead of never. After {@code FLUSHALL} or a restart without
 * persistence the next token is still larger than every token handed out before, unless the Redis clock stepped back
 * (an NTP step, a failover to a server whose clock is behind by more than the time between two grants). Tokens of
 * Redisson's own fenced lock count from 1 and are all far below the clock, so fences stored with them keep working.
 * <p>
 * The rest is Redisson's: the lock's hash, the owner-checked unlock, watchdog renewal, the pub/sub wake-ups. Only the
 * token-returning acquisition is replaced ({@link #tryLockAndGetTokenAsync(long, long, TimeUnit, long)}, which every
 * other token method calls), because the script behind Redisson's is package-private; it sends one script per
 * attempt, as Redisson's does. The plain {@code RLock} methods ({@code lock()}, {@code tryLock()}) still run
 * Redisson's {@code INCR}, which order-lock never calls on a fenced lock.
 * <p>
 * Failure behaviour, as Redisson's: the future fails with Redisson's exception when Redis does, completes with
 * {@code null} when the lock was not had within the wait time, and a grant that arrives after the future was
 * completed (cancelled) is released at once.
 */
final class ClockFencedLock extends RedissonFencedLock {

	/**
	 * How long the last token is kept after a grant. The clock alone keeps tokens growing; the kept token covers two
	 * grants within one microsecond and a Redis clock stepped back by up to this long. A day costs one small key per
	 * order fenced in the last day, where Redisson's counter kept one per order ever fenced.
	 */
	static final Duration TOKEN_TTL = Duration.ofDays(1);

	/** Redisson's acquire, with the token taken from the server's clock unless the kept one is as large. */
	private static final String ACQUIRE = """
			if redis.call('exists', KEYS[1]) == 0 or redis.call('hexists', KEYS[1], ARGV[2]) == 1 then
			  local now = redis.call('time')
			  local token = tonumber(now[1]) * 1000000 + tonumber(now[2])
			  local last = tonumber(redis.call('get', KEYS[2]))
			  if last ~= nil and last >= token then token = last + 1 end
			  redis.call('set', KEYS[2], string.format('%.0f', token), 'px', ARGV[3])
			  redis.call('hincrby', KEYS[1], ARGV[2], 1)
			  redis.call('pexpire', KEYS[1], ARGV[1])
			  return {-1, token}
			end
			return {redis.call('pttl', KEYS[1]), -1}""";

	/** Redisson's own (its field of that name is package-private). */
	private final CommandAsyncExecutor executor;

	private final String tokenName;

	ClockFencedLock(CommandAsyncExecutor executor, String name) {
		super(executor, name);
		this.executor = executor;
		this.tokenName = RedissonObject.prefixName("redisson_lock_token", getRawName());
	}

	@Override
	public RFuture<Long> tryLockAndGetTokenAsync(long waitTime, long leaseTime, @Nullable TimeUnit unit,
			long threadId) {
		CompletableFuture<Long> result = new CompletableFuture<>();
		long waitNanos = (waitTime < 0 || unit == null) ? Long.MAX_VALUE : unit.toNanos(waitTime);
		long leaseMillis = (leaseTime > 0 && unit != null) ? unit.toMillis(leaseTime) : -1;
		attempt(new Call(threadId, leaseMillis, System.nanoTime(), waitNanos, result), null);
		return new CompletableFutureWrapper<>(result);
	}

	/** Runs the acquire script; while busy, again on each release message or when the holder's lease ends. */
	private void attempt(Call call, @Nullable RedissonLockEntry entry) {
		if (call.result.isDone()) {
			// Given up on (cancelled) while waiting.
			leave(entry, call);
			return;
		}
		long lease = (call.leaseMillis > 0) ? call.leaseMillis : this.internalLockLeaseTime;
		RFuture<List<Long>> answer = this.executor.syncedEvalNoRetry(getRawName(), LongCodec.INSTANCE,
				RedisCommands.EVAL_LONG_LIST, ACQUIRE, List.<Object>of(getRawName(), this.tokenName), lease,
				getLockName(call.threadId), TOKEN_TTL.toMillis());
		answer.whenComplete((reply, failure) -> {
			if (failure != null) {
				leave(entry, call);
				call.result.completeExceptionally(failure);
				return;
			}
			long token = reply.get(1);
			if (token != -1) {
				leave(entry, call);
				granted(call, token);
				return;
			}
			long remainingMillis = call.remainingMillis();
			if (remainingMillis <= 0) {
				leave(entry, call);
				call.result.complete(null);
			}
			else if (entry == null) {
				subscribeThenAttempt(call, remainingMillis);
			}
			else {
				long ttl = reply.get(0);
				awaitRelease(call, entry, (ttl >= 0) ? Math.min(ttl, remainingMillis) : remainingMillis);
			}
		});
	}

	/** As Redisson: a lease of its own, else the watchdog; a grant nobody waits for any more goes back. */
	private void granted(Call call, long token) {
		if (call.leaseMillis > 0) {
			this.internalLockLeaseTime = call.leaseMillis;
		}
		else {
			scheduleExpirationRenewal(call.threadId);
		}
		if (!call.result.complete(token)) {
			unlockAsync(call.threadId);
		}
	}

	/** Subscribes to the lock's release messages, then tries again; the wait ending first answers "not had". */
	private void subscribeThenAttempt(Call call, long remainingMillis) {
		CompletableFuture<RedissonLockEntry> subscribing = subscribe(call.threadId);
		this.pubSub.timeout(subscribing, remainingMillis);
		AtomicReference<@Nullable Timeout> deadline = new AtomicReference<>();
		subscribing.whenComplete((entry, failure) -> {
			cancel(deadline.get());
			if (failure != null) {
				call.result.completeExceptionally(failure);
				return;
			}
			attempt(call, entry);
		});
		if (!subscribing.isDone()) {
			deadline.set(this.executor.getServiceManager().newTimeout((timeout) -> {
				if (!subscribing.isDone()) {
					// "Not had" first: the cancelled subscription's own callback then changes nothing.
					call.result.complete(null);
					subscribing.cancel(false);
				}
			}, remainingMillis, TimeUnit.MILLISECONDS));
		}
	}

	/** Tries again on the next release message, or after {@code delayMillis}, whichever comes first. */
	private void awaitRelease(Call call, RedissonLockEntry entry, long delayMillis) {
		if (entry.getLatch().tryAcquire()) {
			attempt(call, entry);
			return;
		}
		AtomicReference<@Nullable Timeout> timer = new AtomicReference<>();
		Runnable onRelease = () -> {
			cancel(timer.get());
			attempt(call, entry);
		};
		entry.addListener(onRelease);
		timer.set(this.executor.getServiceManager().newTimeout((timeout) -> {
			// Only one of the two goes on: the listener, once run, is no longer there to remove.
			if (entry.removeListener(onRelease)) {
				attempt(call, entry);
			}
		}, delayMillis, TimeUnit.MILLISECONDS));
	}

	private void leave(@Nullable RedissonLockEntry entry, Call call) {
		if (entry != null) {
			unsubscribe(entry, call.threadId);
		}
	}

	private static void cancel(@Nullable Timeout timeout) {
		if (timeout != null) {
			timeout.cancel();
		}
	}

	/** One call's acquisition: whose, its lease ({@code -1}: the watchdog's), its wait and its answer. */
	private record Call(long threadId, long leaseMillis, long startedAt, long waitNanos,
			CompletableFuture<Long> result) {

		long remainingMillis() {
			long elapsed = System.nanoTime() - this.startedAt;
			return (this.waitNanos == Long.MAX_VALUE) ? Long.MAX_VALUE
					: TimeUnit.NANOSECONDS.toMillis(this.waitNanos - elapsed);
		}

	}

}
