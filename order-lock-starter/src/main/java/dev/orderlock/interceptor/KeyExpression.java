package dev.orderlock.interceptor;

import java.lang.reflect.Method;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.orderlock.OrderLock;
import org.jspecify.annotations.Nullable;

import org.springframework.expression.BeanResolver;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;

/**
 * A parsed {@link OrderLock#key()}, ready for one call's arguments. The common case, a bare reference to one argument
 * ({@code #orderId}, {@code #p0}, {@code #a0}), is read straight from the argument array; anything else is evaluated
 * with SpEL, which sees the same variables as in Spring's cache annotations (parameter names, {@code #pN},
 * {@code #aN}, the target as root object and {@code @bean} references).
 */
final class KeyExpression {

	private static final Pattern ARGUMENT_REFERENCE = Pattern.compile("\\s*#([A-Za-z_$][A-Za-z0-9_$]*)\\s*");

	private static final int SPEL = -1;

	private final Expression expression;

	private final String[] parameterNames;

	private final boolean parameterNamesKnown;

	private final int argumentIndex;

	private KeyExpression(Expression expression, String[] parameterNames, boolean parameterNamesKnown,
			int argumentIndex) {
		this.expression = expression;
		this.parameterNames = parameterNames;
		this.parameterNamesKnown = parameterNamesKnown;
		this.argumentIndex = argumentIndex;
	}

	/**
	 * @param parameterNames the method's parameter names, {@code null} when they are not known (compiled without
	 * {@code -parameters}), which leaves {@code #pN}/{@code #aN}
	 */
	static KeyExpression of(String text, Expression expression, Method method, String @Nullable [] parameterNames) {
		String[] names = (parameterNames != null) ? parameterNames : new String[0];
		return new KeyExpression(expression, names, parameterNames != null, argumentIndex(text, method, names));
	}

	/** The key's value for one call; SpEL's exceptions reach the caller. */
	@Nullable Object value(@Nullable Object[] arguments, @Nullable Object target, @Nullable BeanResolver beans) {
		if (this.argumentIndex != SPEL) {
			return (arguments != null && this.argumentIndex < arguments.length) ? arguments[this.argumentIndex] : null;
		}
		return this.expression.getValue(new KeyEvaluationContext(target, this.parameterNames, arguments, beans));
	}

	/** Whether calls skip SpEL; for tests. */
	boolean readsArgumentDirectly() {
		return this.argumentIndex != SPEL;
	}

	/** The declared type of the argument a bare reference reads, {@code null} for SpEL; for start-up checks. */
	@Nullable Class<?> argumentType(Method method) {
		return (this.argumentIndex != SPEL) ? method.getParameterTypes()[this.argumentIndex] : null;
	}

	/**
	 * The first {@code #variable} of the expression that names no argument of {@code method} (a typo such as
	 * {@code #ordreId}, or {@code #p3} of a method with three parameters), or {@code null}. Such a variable is always
	 * null at call time: nothing but the arguments is ever put in the context. Names are only checked when they are
	 * known (compiled with {@code -parameters}); {@code #pN}/{@code #aN} always.
	 */
	@Nullable String unknownVariable(Method method) {
		if (!(this.expression instanceof SpelExpression spel)) {
			return null;
		}
		return unknownVariable(spel.getAST(), method);
	}

	private @Nullable String unknownVariable(SpelNode node, Method method) {
		if (node instanceof VariableReference) {
			String name = node.toStringAST().substring(1);
			int index = KeyEvaluationContext.argumentIndex(name, this.parameterNames);
			boolean known = name.equals("root") || name.equals("this")
					|| (index >= 0 && index < method.getParameterCount())
					|| (index < 0 && !this.parameterNamesKnown);
			return known ? null : name;
		}
		for (int i = 0; i < node.getChildCount(); i++) {
			String unknown = unknownVariable(node.getChild(i), method);
			if (unknown != null) {
				return unknown;
			}
		}
		return null;
	}

	/** The variables a key expression of {@code method} can use, for messages: {@code #orderId (or #p0)}. */
	String describeVariables(Method method) {
		int count = method.getParameterCount();
		if (count == 0) {
			return "none (the method has no parameters)";
		}
		String positions = "#p0" + ((count > 1) ? "..#p" + (count - 1) : "");
		if (!this.parameterNamesKnown) {
			return positions + " (parameter names are not known: compile with -parameters to use them)";
		}
		StringJoiner names = new StringJoiner(", ");
		for (String name : this.parameterNames) {
			names.add("#" + name);
		}
		return names + " (or " + positions + ")";
	}

	/** The argument a bare {@code #name} refers to, exactly as SpEL would resolve it, or {@link #SPEL}. */
	private static int argumentIndex(String text, Method method, String[] names) {
		Matcher reference = ARGUMENT_REFERENCE.matcher(text);
		if (!reference.matches() || method.isVarArgs()) {
			return SPEL;
		}
		String name = reference.group(1);
		// #root and #this are SpEL's own, whatever the parameters are called.
		if (name.equals("root") || name.equals("this")) {
			return SPEL;
		}
		int index = KeyEvaluationContext.argumentIndex(name, names);
		return (index >= 0 && index < method.getParameterCount()) ? index : SPEL;
	}

}
