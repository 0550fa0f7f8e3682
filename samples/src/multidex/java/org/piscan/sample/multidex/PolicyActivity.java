package org.piscan.sample.multidex;

import android.app.Activity;
import android.os.Bundle;
import android.widget.TextView;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Shows the bundled policy from res/raw/privacy.txt. */
public class PolicyActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        TextView view = new TextView(this);
        view.setText(readPolicy());
        setContentView(view);
    }

    private String readPolicy() {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[4096];
        InputStream in = getResources().openRawResource(R.raw.privacy);
        try {
            int n;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            sb.append(out.toString("UTF-8"));
        } catch (IOException e) {
            sb.append("privacy.txt unreadable");
        } finally {
            try {
                in.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
        return sb.toString();
    }
}
