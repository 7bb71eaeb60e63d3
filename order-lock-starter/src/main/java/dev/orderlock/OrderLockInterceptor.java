package dev.orderlock;

import java.util.List;
import java.util.function.Supplier;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.AopProxyUtils;

/**
 * Maps a call of an {@link OrderLock} method onto {@link OrderLockTemplate}: resolves the key once, then proceeds
 * under the lock. Nothing else happens here, so the annotation and the template cannot drift apart.
 */
final class OrderLockInterceptor implements MethodInterceptor {

	private final LockOperationSource operationSource;

	/** Resolved on first call, so that finding advisors at start-up does not create the RedissonClient. */
	private final Supplier<OrderLockTemplate> template;

	OrderLockInterceptor(LockOperationSource operationSource, Supplier<OrderLockTemplate> template) {
		this.operationSource = operationSource;
		this.template = template;
	}

	@Override
	@SuppressWarnings("unchecked")
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopProxyUtils.ultimateTargetClass(target) : null;
		LockOperation operation = this.operationSource.getOperation(invocation.getMethod(), targetClass);
		if (operation == null) {
			return invocation.proceed();
		}
		Object keys = this.operationSource.resolveKeys(operation, invocation.getArguments(), target);
		if (keys instanceof String key && operation.kind() == LockKind.EXCLUSIVE) {
			return this.template.get()
				.execute(key, operation.waitTime(), operation.leaseTime(), operation.maxHoldTime(), operation.fenced(),
						operation.description(), invocation::proceed);
		}
		// Another kind, or several orders (a List from a collection or array key).
		return this.template.get()
			.execute(operation.kind(), (keys instanceof String key) ? List.of(key) : (List<String>) keys,
					operation.waitTime(), operation.leaseTime(), operation.maxHoldTime(), operation.description(),
					invocation::proceed);
	}

}
