package dev.orderlock.interceptor;

import java.lang.reflect.Method;

import dev.orderlock.LockKind;
import dev.orderlock.LockRequest;
import dev.orderlock.OrderLock;

/**
 * What one {@link OrderLock} method needs at call time, resolved once at start-up: the parsed key expression and
 * the lock request every call of it makes (its options and name; the keys are added per call).
 *
 * @param method the annotated method, as declared on the target class
 * @param description the method as users name it, for messages
 * @param keyText the key expression as written
 * @param key the parsed key expression
 * @param request the options of every call, named after the method
 * @param returns how the method hands back its work, and so how long the lock is held
 */
record LockOperation(Method method, String description, String keyText, KeyExpression key, LockRequest request,
		LockedReturn returns) {

	boolean fenced() {
		return this.request.fenced();
	}

	LockKind kind() {
		return this.request.kind();
	}

}
