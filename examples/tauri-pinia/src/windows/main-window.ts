import type { RevisionSyncHandle } from '@statesync/core';
import { defineComponent, h, type PropType } from 'vue';
import type { SettingsStore } from '../settings-store';
import { StatusBadge } from './status-badge';

/** The main window: renders with the synced settings; it never writes them. */
export const MainWindow = defineComponent({
  name: 'MainWindow',
  props: {
    store: { type: Object as PropType<SettingsStore>, required: true },
    handle: { type: Object as PropType<RevisionSyncHandle>, required: true },
  },
  setup(props) {
    return () =>
      h('main', { class: ['app', props.store.theme], style: { fontSize: `${props.store.fontSize}px` } }, [
        h('h1', 'Notes'),
        h('p', { 'data-testid': 'summary' }, `Theme ${props.store.theme}, text ${props.store.fontSize}px`),
        h(StatusBadge, { handle: props.handle }),
      ]);
  },
});
