package kotlin.jvm.functions;

/**
 * STAND-IN for the Kotlin standard library's interface (pi-scan sample), so
 * that plain javac can build what kotlinc makes of a lambda: a class that
 * implements it, used through a static INSTANCE.
 */
public interface Function0<R> {
    R invoke();
}
