import type { RevisionSyncHandle, SyncStatus } from '@statesync/core';
import { defineComponent, h, onUnmounted, type PropType, shallowRef } from 'vue';

const LABELS: Record<SyncStatus, string> = {
  idle: 'idle',
  starting: 'connecting…',
  syncing: 'syncing…',
  synced: 'up to date',
  stale: 'update pending',
  error: 'offline, retrying',
  stopped: 'stopped',
};

/** Shows the handle's status and revision; re-renders only when they change. */
export const StatusBadge = defineComponent({
  name: 'StatusBadge',
  props: { handle: { type: Object as PropType<RevisionSyncHandle>, required: true } },
  setup(props) {
    const state = shallowRef(props.handle.getStatus());
    onUnmounted(props.handle.onStatusChange((next) => (state.value = next)));
    return () =>
      h('span', { class: ['badge', state.value.status], 'data-testid': 'status' }, [
        `${LABELS[state.value.status]} · r${state.value.localRevision}`,
      ]);
  },
});
