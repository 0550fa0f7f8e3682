package org.piscan.sample.asyncinit;

import android.content.Context;
import kotlin.jvm.functions.Function0;

/** Runs a Kotlin-style block, as an app's small utility would. */
final class Tasks {
    static Context context;

    private Tasks() {
    }

    static Object run(Function0<Object> block, Context with) {
        context = with;
        return block.invoke();
    }
}
