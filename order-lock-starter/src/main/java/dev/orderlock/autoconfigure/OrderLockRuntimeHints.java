package dev.orderlock.autoconfigure;

import dev.orderlock.OrderLock;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What order-lock itself reflects on in a native image (docs/aot.md); registered through
 * {@code META-INF/spring/aot.factories}, so it applies whatever the build-time conditions were. The application's
 * own types that key expressions read are registered per bean by {@link OrderLockBeanRegistrationAotProcessor}.
 */
final class OrderLockRuntimeHints implements RuntimeHintsRegistrar {

	/**
	 * Optional types looked up by name ({@code ClassUtils.isPresent}): Reactor and Reactive Streams (Mono return types),
	 * Kotlin coroutines (suspend functions, Flow), spring-tx (releases bound to a transaction). The auto-configuration's
	 * own {@code @ConditionalOnClass} need none: AOT evaluates them at build time. Registered only when
	 * present at build time: a type absent then is absent from the image too.
	 */
	static final String[] OPTIONAL_TYPES = { "reactor.core.publisher.Mono", "org.reactivestreams.Publisher",
			"kotlinx.coroutines.reactor.MonoKt", "kotlinx.coroutines.flow.Flow",
			"org.springframework.transaction.support.TransactionSynchronizationManager" };

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		// The attributes of @OrderLock are read through its methods (MergedAnnotations), and a composed annotation
		// with @AliasFor is handed out as a JDK proxy of the annotation type.
		hints.reflection().registerType(OrderLock.class, MemberCategory.INVOKE_DECLARED_METHODS);
		hints.proxies().registerJdkProxy(OrderLock.class);
		for (String type : OPTIONAL_TYPES) {
			hints.reflection().registerTypeIfPresent(classLoader, type);
		}
	}

}
