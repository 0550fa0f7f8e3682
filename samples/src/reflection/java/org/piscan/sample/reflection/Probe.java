package org.piscan.sample.reflection;

import java.lang.reflect.Method;

/** Near miss: reflection on something that is not personal information. */
final class Probe {
    private Probe() {
    }

    static int textLength(String text) {
        try {
            Method method = Class.forName("java.lang.String").getMethod("length");
            return (Integer) method.invoke(text);
        } catch (Exception e) {
            return -1;
        }
    }
}
