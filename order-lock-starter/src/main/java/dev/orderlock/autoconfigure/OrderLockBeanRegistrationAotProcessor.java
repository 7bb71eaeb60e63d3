package dev.orderlock.autoconfigure;

import java.lang.reflect.Method;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import dev.orderlock.OrderLock;
import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.util.ClassUtils;

/**
 * For every bean with {@link OrderLock} methods, the reflection a native image needs to run them: each method itself
 * (its annotation, a composed annotation's type, and its parameter names, which {@code #orderId} resolves through, are read at start-up), and the
 * public methods of its parameters' types and of their element types ({@code List<Order>}, {@code Order[]}), which
 * SpEL calls for {@code #order.id} or {@code #orders.![id]}. Anything else an expression reaches (a bean's methods
 * through {@code @bean}, the type a getter returns) needs the application's own hints (docs/aot.md).
 */
final class OrderLockBeanRegistrationAotProcessor implements BeanRegistrationAotProcessor {

	@Override
	public @Nullable BeanRegistrationAotContribution processAheadOfTime(RegisteredBean registeredBean) {
		Class<?> beanClass = ClassUtils.getUserClass(registeredBean.getBeanClass());
		Map<Method, OrderLock> locked = MethodIntrospector.selectMethods(beanClass,
				(MethodIntrospector.MetadataLookup<OrderLock>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, OrderLock.class));
		if (locked.isEmpty()) {
			return null;
		}
		return (generationContext, code) -> register(generationContext.getRuntimeHints().reflection(),
				locked.keySet());
	}

	static void register(ReflectionHints reflection, Set<Method> methods) {
		Set<Class<?>> argumentTypes = new LinkedHashSet<>();
		for (Method method : methods) {
			reflection.registerMethod(method, ExecutableMode.INTROSPECT);
			// A composed annotation (@PayLock meta-annotated with @OrderLock) is read like @OrderLock itself.
			MergedAnnotations.from(method, SearchStrategy.TYPE_HIERARCHY)
				.stream(OrderLock.class)
				.map((annotation) -> annotation.getRoot().getType())
				.filter((type) -> type != OrderLock.class)
				.forEach((type) -> reflection.registerType(type, MemberCategory.INVOKE_DECLARED_METHODS));
			for (int i = 0; i < method.getParameterCount(); i++) {
				collect(ResolvableType.forMethodParameter(method, i), argumentTypes, 0);
			}
		}
		for (Class<?> type : argumentTypes) {
			reflection.registerType(type, MemberCategory.INVOKE_PUBLIC_METHODS);
		}
	}

	/** The type, its array component and its generics, two levels deep (Map<String, List<Order>> finds Order). */
	private static void collect(ResolvableType type, Set<Class<?>> into, int depth) {
		Class<?> resolved = type.resolve();
		if (resolved == null || depth > 2) {
			return;
		}
		if (resolved.isArray()) {
			collect(type.getComponentType(), into, depth + 1);
			return;
		}
		if (!resolved.isPrimitive() && resolved != Object.class) {
			into.add(resolved);
		}
		for (ResolvableType generic : type.getGenerics()) {
			collect(generic, into, depth + 1);
		}
	}

}
