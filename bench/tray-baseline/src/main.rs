//! The smallest Tauri 2 tray app: an icon with Open and Quit; the window is made on Open and destroyed on
//! close, as Elevate's is. The tray benchmark (`scripts/bench-tray.sh`) measures Elevate beside it.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{Manager, RunEvent, WebviewUrl, WebviewWindowBuilder};

fn main() {
    let app = tauri::Builder::default()
        .setup(|app| {
            let open = MenuItem::with_id(app, "open", "Open", true, None::<&str>)?;
            let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
            let menu = Menu::with_items(app, &[&open, &quit])?;
            let icon =
                tauri::image::Image::from_bytes(include_bytes!("../../../icons/tray/idle.png"))?;
            TrayIconBuilder::with_id("baseline")
                .icon(icon)
                .menu(&menu)
                .on_menu_event(|app, event| match event.id.as_ref() {
                    "open" if app.get_webview_window("main").is_none() => {
                        let url = WebviewUrl::App("index.html".into());
                        if let Err(e) = WebviewWindowBuilder::new(app, "main", url).build() {
                            eprintln!("tray-baseline could not open its window: {e}");
                        }
                    }
                    "quit" => app.exit(0),
                    _ => {}
                })
                .build(app)?;
            Ok(())
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, event| {
            if let RunEvent::ExitRequested {
                code: None, api, ..
            } = event
            {
                api.prevent_exit();
            }
        }),
        Err(e) => eprintln!("tray-baseline could not start: {e}"),
    }
}
