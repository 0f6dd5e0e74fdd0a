import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { getCurrentWindow } from '@tauri-apps/api/window';
import { mountWindow } from './app';

// Both windows load this page; each one mounts its own component (see tauri.conf.json in the README).
void mountWindow(getCurrentWindow().label, '#app', { listen, invoke });
