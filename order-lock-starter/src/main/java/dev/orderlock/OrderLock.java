package dev.orderlock;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * Runs the annotated method only while this instance holds the lock of one order, shared by every instance that
 * talks to the same Redis. Put it on every method that changes the order's state ({@code pay}, {@code cancel},
 * the timeout job's cancel): methods whose {@link #key()} resolves to the same value take the same lock, whatever
 * their names.
 * <p>
 * The lock is a Redisson {@code RLock} named {@code <order-lock.key-prefix>:<resolved key>}: acquired atomically,
 * released in {@code finally} by its owner only, its lease renewed by Redisson's watchdog while the method runs. The
 * advice runs outside {@code @Transactional} on the same method, so the lock is released only after the commit.
 * Entered while a transaction is already running (a transactional caller), the lock is bound to that transaction:
 * checked before its commit and released after its completion, not when the method returns.
 * <p>
 * A method returning {@code CompletableFuture}/{@code CompletionStage} or a Reactor {@code Mono} holds the lock until
 * the returned work completes (for a {@code Mono}: each subscription acquires it before the method runs and releases
 * it when the Mono completes, fails or is cancelled), owned by the call rather than a thread. A return type whose
 * completion cannot be observed ({@code Flux} and other streams, a plain {@code Future}) fails the start.
 * <p>
 * Failure behaviour, always closed (the method body never runs without the lock):
 * <ul>
 * <li>not acquired within {@link #waitTime()}: {@link OrderLockTimeoutException};</li>
 * <li>Redis unreachable: {@link OrderLockUnavailableException};</li>
 * <li>key resolving to {@code null}, blank or an empty collection, or its expression failing:
 * {@link OrderLockException};</li>
 * <li>lock found lost when the method ends (lease expired, {@link #maxHoldTime()} reached):
 * {@link OrderLockLeaseLostException}, thrown before the commit of a transaction the lock is bound to;</li>
 * <li>an expression or duration that cannot be parsed, or a method the proxy cannot intercept (private, final,
 * static, or in a final class that needs a class proxy): the application fails to start, naming the method.</li>
 * </ul>
 * May be used as a meta-annotation, e.g. {@code @OrderLock(key = "#orderId") @interface PayLock}.
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface OrderLock {

	/** Alias for {@link #key()}. */
	@AliasFor("key")
	String value() default "";

	/**
	 * SpEL expression for the order's key, over the method's arguments by name ({@code #orderId},
	 * {@code #order.id}; needs {@code -parameters}), by position ({@code #p0}, {@code #a0}), and bean references
	 * ({@code @orderKeys.of(#order)}). Parsed once, at start-up. A collection or array locks every order in it, all
	 * or nothing, in natural {@code String} order of the keys (duplicates once); an empty one fails the call.
	 */
	@AliasFor("value")
	String key() default "";

	/**
	 * How long to wait for the lock, in Spring Boot's duration formats ({@code "500ms"}, {@code "3s"},
	 * {@code "PT3S"}); placeholders allowed ({@code "${orders.lock-wait:2s}"}). Empty means
	 * {@code order-lock.wait-time}; {@code "0"} tries once without waiting.
	 */
	String waitTime() default "";

	/**
	 * Fixed lease after which Redis frees the lock even if the method is still running, in the same formats.
	 * Empty (recommended) means no fixed lease: Redisson's watchdog renews the lock while the method runs, and a
	 * crashed instance's lock lapses after {@code order-lock.watchdog-timeout}.
	 */
	String leaseTime() default "";

	/**
	 * Longest the lock may be held, in the same formats; placeholders allowed. Past it the lock is released even if
	 * the method still runs (so a hung thread cannot keep the order locked, renewed by the watchdog, forever), and
	 * the method's end fails with {@link OrderLockLeaseLostException} (a bound transaction is rolled back). Empty
	 * means {@code order-lock.max-hold-time}, unset by default: no cap.
	 */
	String maxHoldTime() default "";

	/**
	 * Whether the lock is a Redisson {@code RFencedLock} that hands the method a fencing token, read with
	 * {@link OrderLockContext#currentFencingToken()}: larger than every token of the same order before, also after
	 * Redis lost its data (tokens follow the Redis clock), so the method's final write can refuse to overwrite a newer
	 * holder's ({@code ... WHERE id = ? AND fence < ?}). It excludes the plain lock of the same key, but only fenced
	 * holders get tokens: make every method that writes the guarded state fenced. Costs a {@code TIME}, a {@code GET}
	 * and a {@code SET} inside the acquire script, no extra round trip.
	 */
	boolean fenced() default false;

	/**
	 * Which lock to take: {@link LockKind#EXCLUSIVE} (the default), {@link LockKind#FAIR} (handed over in arrival
	 * order), {@link LockKind#READ} (shared among readers) or {@link LockKind#WRITE} (excludes readers). Read/write
	 * methods and exclusive or fair methods in one application fail the start-up: they would not exclude each other.
	 */
	LockKind kind() default LockKind.EXCLUSIVE;

}
