package org.piscan.sample.asyncinit;

import android.app.Activity;
import android.content.ClipData;
import android.content.ClipboardManager;
import android.content.Context;
import android.os.Bundle;
import android.view.View;
import android.widget.Button;

/** Near miss: the clipboard is read only when the user taps "Paste". */
public class MainActivity extends Activity {
    ClipData pasted;

    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        Button paste = new Button(this);
        paste.setText(R.string.paste);
        paste.setOnClickListener(new View.OnClickListener() {
            @Override
            public void onClick(View view) {
                ClipboardManager clipboard =
                        (ClipboardManager) getSystemService(Context.CLIPBOARD_SERVICE);
                pasted = clipboard.getPrimaryClip();
            }
        });
        setContentView(paste);
    }
}
