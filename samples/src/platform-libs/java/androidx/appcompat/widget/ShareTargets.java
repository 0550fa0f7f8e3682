package androidx.appcompat.widget;

import android.content.Context;
import android.content.Intent;
import android.content.pm.PackageManager;
import android.content.pm.ResolveInfo;
import java.util.List;

/**
 * Stand-in for the share chooser model of AppCompat (pi-scan's own code, not AndroidX's): it
 * asks which activities answer one share intent, not which apps are installed.
 */
public final class ShareTargets {
    private ShareTargets() {}

    public static boolean canShareText(Context context) {
        Intent intent = new Intent(Intent.ACTION_SEND);
        intent.setType("text/plain");
        List<ResolveInfo> targets = context.getPackageManager().queryIntentActivities(intent, 0);
        return !targets.isEmpty();
    }
}
