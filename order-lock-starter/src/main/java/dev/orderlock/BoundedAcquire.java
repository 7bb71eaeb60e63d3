package dev.orderlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.redisson.api.RFencedLock;
import org.redisson.api.RLock;

/**
 * Acquires through Redisson's asynchronous API and stops waiting after the wait time plus
 * {@code order-lock.redis-timeout}. The same script is sent as by the blocking call; an acquisition that Redis
 * completes after we stopped waiting is released at once, so giving up never leaves a lock behind that nobody runs
 * under (its watchdog would renew it for as long as the JVM lives).
 */
final class BoundedAcquire {

	private BoundedAcquire() {
	}

	/**
	 * @return the fencing token ({@code Long}) or {@code null} for a fenced lock; {@code Boolean} otherwise
	 * @throws TimeoutException when Redis did not answer in time (nothing is held)
	 * @throws InterruptedException when interrupted while waiting (nothing is held)
	 */
	static @Nullable Object tryLock(RLock lock, boolean fenced, Duration wait, long leaseMillis, Duration redisTimeout)
			throws InterruptedException, TimeoutException {
		long threadId = Thread.currentThread().getId();
		CompletableFuture<?> answer = fenced
				? ((RFencedLock) lock).tryLockAndGetTokenAsync(wait.toMillis(), leaseMillis, TimeUnit.MILLISECONDS)
					.toCompletableFuture()
				: lock.tryLockAsync(wait.toMillis(), leaseMillis, TimeUnit.MILLISECONDS, threadId).toCompletableFuture();
		try {
			return answer.get(wait.plus(redisTimeout).toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException | InterruptedException ex) {
			answer.whenComplete((acquired, failure) -> {
				if (failure == null && (acquired instanceof Long || Boolean.TRUE.equals(acquired))) {
					lock.unlockAsync(threadId);
				}
			});
			throw ex;
		}
		catch (ExecutionException ex) {
			throw RedisAnswer.failure(ex.getCause(), "acquiring " + KeyText.nameOf(lock));
		}
	}

}
