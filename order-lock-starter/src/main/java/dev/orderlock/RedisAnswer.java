package dev.orderlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.redisson.client.RedisConnectionException;

/**
 * Waits for an answer of Redisson's asynchronous API, for at most {@code order-lock.redis-timeout} when one is set,
 * and lets a failure out the way the blocking API throws it: a {@link RuntimeException} as it is
 * ({@code RedisException}, {@code IllegalMonitorStateException}...), a checked one from the connection itself
 * (Netty's {@code ClosedChannelException} while Redis goes down) as a {@link RedisConnectionException}, so that
 * callers report Redis as unavailable rather than as an unknown failure.
 */
final class RedisAnswer {

	private RedisAnswer() {
	}

	/**
	 * @param timeout how long to wait; {@code null} leaves the bound to Redisson's own timeout and retries
	 * @param what what was asked, for the message of a connection failure
	 * @throws TimeoutException when Redis did not answer within {@code timeout}
	 * @throws InterruptedException when interrupted while waiting with a timeout
	 */
	static <T> T await(CompletionStage<T> answer, @Nullable Duration timeout, String what)
			throws TimeoutException, InterruptedException {
		CompletableFuture<T> future = answer.toCompletableFuture();
		try {
			return (timeout != null) ? future.get(timeout.toMillis(), TimeUnit.MILLISECONDS) : future.join();
		}
		catch (ExecutionException | CompletionException ex) {
			throw failure(ex.getCause(), what);
		}
	}

	/** The failure of an answer as the blocking API would throw it. */
	static RuntimeException failure(@Nullable Throwable cause, String what) {
		if (cause instanceof RuntimeException runtime) {
			return runtime;
		}
		return new RedisConnectionException("Lost the connection to Redis while " + what, cause);
	}

}
