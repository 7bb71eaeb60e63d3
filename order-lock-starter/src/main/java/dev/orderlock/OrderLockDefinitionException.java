package dev.orderlock;

import java.lang.reflect.Method;

import dev.orderlock.support.MethodDescriptions;
import org.jspecify.annotations.Nullable;

/**
 * An {@link OrderLock} that cannot work as written: an expression or duration that does not parse, or a method the
 * proxy cannot intercept. Thrown while the bean is created, so the application fails to start instead of running
 * the method unlocked; Spring Boot reports it with the fix.
 */
public class OrderLockDefinitionException extends OrderLockException {

	private final String action;

	public OrderLockDefinitionException(Method method, String problem, String action, @Nullable Throwable cause) {
		super("@OrderLock on " + MethodDescriptions.describe(method) + " " + problem, cause);
		this.action = action;
	}

	/** What to change to make it work. */
	public String getAction() {
		return this.action;
	}

}
