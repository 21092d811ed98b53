"""Secondary indexes through boto3, on a real dynago binary: seed 002's
MusicCollection with its GenreYearIndex GSI and the ArtistYearIndex LSI
its step 6 queries (here created, as the blog meant), seed 004's
StarbucksLocations with begins_with on the STATE#CITY#POSTCODE sort key,
DynamoDB's index errors, an index added online with UpdateTable, and
`dynago check` on the data directory after the server stops."""

import os
import subprocess
import time
import unittest
from decimal import Decimal

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from dynago_process import DynagoProcess, ServerTestCase, dynago_bin, needs_disk, wait_active


def music_table(client):
    client.create_table(
        TableName='MusicCollection',
        KeySchema=[
            {'AttributeName': 'Artist', 'KeyType': 'HASH'},
            {'AttributeName': 'Song', 'KeyType': 'RANGE'},
        ],
        AttributeDefinitions=[
            {'AttributeName': 'Artist', 'AttributeType': 'S'},
            {'AttributeName': 'Song', 'AttributeType': 'S'},
            {'AttributeName': 'Genre', 'AttributeType': 'S'},
            {'AttributeName': 'Year', 'AttributeType': 'N'},
        ],
        ProvisionedThroughput={'ReadCapacityUnits': 5, 'WriteCapacityUnits': 5},
        GlobalSecondaryIndexes=[{
            'IndexName': 'GenreYearIndex',
            'KeySchema': [
                {'AttributeName': 'Genre', 'KeyType': 'HASH'},
                {'AttributeName': 'Year', 'KeyType': 'RANGE'},
            ],
            'Projection': {'ProjectionType': 'ALL'},
            'ProvisionedThroughput': {'ReadCapacityUnits': 5, 'WriteCapacityUnits': 5},
        }],
        LocalSecondaryIndexes=[{
            'IndexName': 'ArtistYearIndex',
            'KeySchema': [
                {'AttributeName': 'Artist', 'KeyType': 'HASH'},
                {'AttributeName': 'Year', 'KeyType': 'RANGE'},
            ],
            'Projection': {'ProjectionType': 'INCLUDE', 'NonKeyAttributes': ['Album']},
        }],
    )
    wait_active(client, 'MusicCollection')


STORES = [
    ("1", "US", "NE", "Omaha", "68144"), ("2", "US", "NE", "Omaha", "68144"),
    ("3", "US", "NE", "Omaha", "68102"), ("4", "US", "NE", "Lincoln", "68508"),
    ("5", "US", "NY", "New York", "10001"), ("6", "CA", "ON", "Toronto", "M5V 2T6"),
]


class Indexes(ServerTestCase, unittest.TestCase):

    def test_music_collection_gsi_and_lsi(self):
        client = self.server.client()
        music_table(client)
        table = self.server.resource().Table('MusicCollection')
        table.put_item(Item={'Artist': 'The Beatles', 'Song': 'Hey Jude', 'Album': 'The White Album',
                             'Genre': 'Rock', 'Year': 1968})
        with table.batch_writer() as batch:
            for i in range(1, 26):
                batch.put_item(Item={'Artist': 'The Beatles', 'Song': f'Song {i}', 'Album': 'Album 1',
                                     'Genre': 'Rock', 'Year': 1968 + i})
        table.put_item(Item={'Artist': 'Miles Davis', 'Song': 'So What', 'Genre': 'Jazz', 'Year': 1959})

        # 5. the GSI, in Year order
        items = table.query(IndexName='GenreYearIndex', KeyConditionExpression=Key('Genre').eq('Rock'))['Items']
        self.assertEqual(len(items), 26)
        self.assertEqual(items[0], {'Artist': 'The Beatles', 'Song': 'Hey Jude', 'Album': 'The White Album',
                                    'Genre': 'Rock', 'Year': Decimal(1968)})
        self.assertEqual([i['Year'] for i in items], sorted(i['Year'] for i in items))

        # 6. the LSI: Artist = 'The Beatles' AND Year >= 1968, projected
        # attributes (keys and Album) only
        resp = table.query(IndexName='ArtistYearIndex',
                           KeyConditionExpression=Key('Artist').eq('The Beatles') & Key('Year').gte(1968))
        self.assertEqual(resp['Count'], 26)
        self.assertEqual(resp['Items'][0], {'Artist': 'The Beatles', 'Song': 'Hey Jude',
                                            'Album': 'The White Album', 'Year': Decimal(1968)})
        # ALL_ATTRIBUTES on an LSI fetches the rest from the table
        resp = table.query(IndexName='ArtistYearIndex', Select='ALL_ATTRIBUTES',
                           KeyConditionExpression=Key('Artist').eq('The Beatles') & Key('Year').between(1990, 1991))
        self.assertEqual([(i['Song'], i['Genre']) for i in resp['Items']], [('Song 22', 'Rock'), ('Song 23', 'Rock')])

        # pages of 10, newest first, resumed from LastEvaluatedKey
        songs, kwargs = [], dict(IndexName='GenreYearIndex', KeyConditionExpression=Key('Genre').eq('Rock'),
                                 Limit=10, ScanIndexForward=False)
        while True:
            resp = table.query(**kwargs)
            songs += [i['Song'] for i in resp['Items']]
            if 'LastEvaluatedKey' not in resp:
                break
            self.assertEqual(set(resp['LastEvaluatedKey']), {'Artist', 'Song', 'Genre', 'Year'})
            kwargs['ExclusiveStartKey'] = resp['LastEvaluatedKey']
        self.assertEqual(songs[0], 'Song 25')
        self.assertEqual(songs[-1], 'Hey Jude')
        self.assertEqual(len(songs), 26)

        desc = client.describe_table(TableName='MusicCollection')['Table']
        gsi = desc['GlobalSecondaryIndexes'][0]
        self.assertEqual(gsi['IndexStatus'], 'ACTIVE')
        self.assertEqual(gsi['ItemCount'], 27)
        self.assertEqual(gsi['IndexArn'], desc['TableArn'] + '/index/GenreYearIndex')
        self.assertEqual(desc['LocalSecondaryIndexes'][0]['ItemCount'], 27)

    def test_index_errors(self):
        client = self.server.client()
        music_table_name = 'MusicErrors'
        client.create_table(
            TableName=music_table_name,
            KeySchema=[{'AttributeName': 'Artist', 'KeyType': 'HASH'}, {'AttributeName': 'Song', 'KeyType': 'RANGE'}],
            AttributeDefinitions=[{'AttributeName': 'Artist', 'AttributeType': 'S'},
                                  {'AttributeName': 'Song', 'AttributeType': 'S'},
                                  {'AttributeName': 'Genre', 'AttributeType': 'S'}],
            BillingMode='PAY_PER_REQUEST',
            GlobalSecondaryIndexes=[{'IndexName': 'GenreIndex',
                                     'KeySchema': [{'AttributeName': 'Genre', 'KeyType': 'HASH'}],
                                     'Projection': {'ProjectionType': 'KEYS_ONLY'}}])
        wait_active(client, music_table_name)
        cases = [
            (lambda: client.query(TableName=music_table_name, IndexName='GenreIndex', ConsistentRead=True,
                                  KeyConditionExpression='Genre = :g', ExpressionAttributeValues={':g': {'S': 'Rock'}}),
             'Consistent reads are not supported on global secondary indexes'),
            (lambda: client.query(TableName=music_table_name, IndexName='GenreIndex', Select='ALL_ATTRIBUTES',
                                  KeyConditionExpression='Genre = :g', ExpressionAttributeValues={':g': {'S': 'Rock'}}),
             'One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global '
             'secondary index GenreIndex because its projection type is not ALL'),
            (lambda: client.query(TableName=music_table_name, IndexName='Nope',
                                  KeyConditionExpression='Genre = :g', ExpressionAttributeValues={':g': {'S': 'Rock'}}),
             'The table does not have the specified index: Nope'),
            (lambda: client.put_item(TableName=music_table_name,
                                     Item={'Artist': {'S': 'a'}, 'Song': {'S': 'b'}, 'Genre': {'N': '1'}}),
             'One or more parameter values were invalid: Type mismatch for Index Key Genre Expected: S Actual: N '
             'IndexName: GenreIndex'),
            (lambda: client.create_table(
                TableName='TooManyLSIs',
                KeySchema=[{'AttributeName': 'a', 'KeyType': 'HASH'}, {'AttributeName': 'b', 'KeyType': 'RANGE'}],
                AttributeDefinitions=[{'AttributeName': n, 'AttributeType': 'S'} for n in ('a', 'b', 'c')],
                BillingMode='PAY_PER_REQUEST',
                LocalSecondaryIndexes=[{'IndexName': 'lsi%d' % i,
                                        'KeySchema': [{'AttributeName': 'a', 'KeyType': 'HASH'},
                                                      {'AttributeName': 'c', 'KeyType': 'RANGE'}],
                                        'Projection': {'ProjectionType': 'KEYS_ONLY'}} for i in range(6)]),
             'One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5'),
        ]
        for call, message in cases:
            with self.assertRaises(ClientError) as cm:
                call()
            err = cm.exception.response['Error']
            self.assertEqual((err['Code'], err['Message']), ('ValidationException', message))

    def test_starbucks_hierarchical_sort_key(self):
        client = self.server.client()
        client.create_table(
            AttributeDefinitions=[{"AttributeName": "Country", "AttributeType": "S"},
                                  {"AttributeName": "StateCityPostcode", "AttributeType": "S"},
                                  {"AttributeName": "StoreNumber", "AttributeType": "S"}],
            TableName="StarbucksLocations",
            KeySchema=[{"AttributeName": "StoreNumber", "KeyType": "HASH"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "StoreLocationIndex",
                "KeySchema": [{"AttributeName": "Country", "KeyType": "HASH"},
                              {"AttributeName": "StateCityPostcode", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            }],
            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
        wait_active(client, "StarbucksLocations")
        for num, country, state, city, post in STORES:
            client.put_item(TableName="StarbucksLocations", Item={
                "Country": {"S": country}, "State": {"S": state}, "City": {"S": city}, "Postcode": {"S": post},
                "StateCityPostcode": {"S": "{}#{}#{}".format(state.upper(), city.upper(), post.upper())},
                "StoreNumber": {"S": num}, "StoreName": {"S": "Store " + num}})

        def query(prefix):
            kce, values = "Country = :country", {":country": {"S": "US"}}
            if prefix:
                kce += " AND begins_with(StateCityPostcode, :statecitypostcode)"
                values[":statecitypostcode"] = {"S": prefix}
            return client.query(TableName="StarbucksLocations", IndexName='StoreLocationIndex',
                                KeyConditionExpression=kce, ExpressionAttributeValues=values)

        self.assertEqual(query("")['Count'], 5)
        self.assertEqual(query("NE")['Count'], 4)
        resp = query("NE#OMAHA")
        self.assertEqual([i['StateCityPostcode']['S'] for i in resp['Items']],
                         ['NE#OMAHA#68102', 'NE#OMAHA#68144', 'NE#OMAHA#68144'])
        self.assertEqual(query("NE#OMAHA#68144")['Count'], 2)
        self.assertEqual(query("TX")['Count'], 0)

    def test_online_index_creation(self):
        client = self.server.client()
        client.create_table(
            TableName='Online', KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}],
            AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')
        wait_active(client, 'Online')
        for i in range(300):
            client.put_item(TableName='Online', Item={'id': {'S': str(i)}, 'group': {'S': 'g%d' % (i % 4)},
                                                      'n': {'N': str(i)}})
        client.update_table(
            TableName='Online', AttributeDefinitions=[{'AttributeName': 'group', 'AttributeType': 'S'},
                                                      {'AttributeName': 'n', 'AttributeType': 'N'}],
            GlobalSecondaryIndexUpdates=[{'Create': {
                'IndexName': 'ByGroup', 'Projection': {'ProjectionType': 'KEYS_ONLY'},
                'KeySchema': [{'AttributeName': 'group', 'KeyType': 'HASH'}, {'AttributeName': 'n', 'KeyType': 'RANGE'}]}}])
        q = dict(TableName='Online', IndexName='ByGroup', KeyConditionExpression='#g = :g',
                 ExpressionAttributeNames={'#g': 'group'}, ExpressionAttributeValues={':g': {'S': 'g1'}})
        with self.assertRaises(ClientError) as cm:
            client.query(**q)
        self.assertEqual(cm.exception.response['Error']['Message'],
                         'Cannot read from backfilling global secondary index: ByGroup')
        deadline = time.monotonic() + 20
        while True:
            gsi = client.describe_table(TableName='Online')['Table']['GlobalSecondaryIndexes'][0]
            if gsi['IndexStatus'] == 'ACTIVE':
                break
            self.assertEqual(gsi['IndexStatus'], 'CREATING')
            self.assertTrue(gsi['Backfilling'])
            self.assertLess(time.monotonic(), deadline, 'index never became ACTIVE')
            time.sleep(0.05)
        resp = client.query(**q)
        self.assertEqual(resp['Count'], 75)
        self.assertEqual([int(i['n']['N']) for i in resp['Items']][:3], [1, 5, 9])

    def test_multi_attribute_gsi(self):
        """AWS's multi-attribute key example (November 2025): a GSI whose
        partition key is (tournamentId, region) and sort key (round,
        bracket, matchId), queried through the boto3 resource API."""
        client = self.server.client()
        client.create_table(
            TableName='TournamentMatches',
            KeySchema=[{'AttributeName': 'matchId', 'KeyType': 'HASH'}],
            AttributeDefinitions=[{'AttributeName': n, 'AttributeType': 'S'}
                                  for n in ('matchId', 'tournamentId', 'region', 'round', 'bracket')],
            BillingMode='PAY_PER_REQUEST',
            GlobalSecondaryIndexes=[{
                'IndexName': 'TournamentRegionIndex',
                'KeySchema': [{'AttributeName': 'tournamentId', 'KeyType': 'HASH'},
                              {'AttributeName': 'region', 'KeyType': 'HASH'},
                              {'AttributeName': 'round', 'KeyType': 'RANGE'},
                              {'AttributeName': 'bracket', 'KeyType': 'RANGE'},
                              {'AttributeName': 'matchId', 'KeyType': 'RANGE'}],
                'Projection': {'ProjectionType': 'ALL'},
            }])
        wait_active(client, 'TournamentMatches')
        ks = client.describe_table(TableName='TournamentMatches')['Table']['GlobalSecondaryIndexes'][0]['KeySchema']
        self.assertEqual([k['KeyType'] for k in ks], ['HASH', 'HASH', 'RANGE', 'RANGE', 'RANGE'])
        table = self.server.resource().Table('TournamentMatches')
        for mid, region, rnd, bracket in [('m1', 'NA-EAST', 'FINALS', 'UPPER'), ('m2', 'NA-EAST', 'SEMIFINALS', 'UPPER'),
                                          ('m3', 'NA-EAST', 'SEMIFINALS', 'LOWER'), ('m4', 'EU-WEST', 'SEMIFINALS', 'UPPER'),
                                          ('m5', 'NA-EAST', 'SEMIFINALS', None)]:
            it = {'matchId': mid, 'tournamentId': 'WINTER2024', 'region': region, 'round': rnd}
            if bracket:
                it['bracket'] = bracket
            table.put_item(Item=it)

        def query(cond, **kw):
            return [i['matchId'] for i in table.query(IndexName='TournamentRegionIndex',
                                                      KeyConditionExpression=cond, **kw)['Items']]

        pk = Key('tournamentId').eq('WINTER2024') & Key('region').eq('NA-EAST')
        self.assertEqual(query(pk), ['m1', 'm3', 'm2'])  # m5 has no bracket: sparse
        self.assertEqual(query(pk, ScanIndexForward=False), ['m2', 'm3', 'm1'])
        self.assertEqual(query(pk & Key('round').eq('SEMIFINALS')), ['m3', 'm2'])
        self.assertEqual(query(pk & Key('round').eq('SEMIFINALS') & Key('bracket').eq('UPPER')), ['m2'])
        self.assertEqual(query(pk & Key('round').begins_with('SEMI')), ['m3', 'm2'])
        self.assertEqual(query(pk & Key('round').eq('SEMIFINALS') & Key('bracket').between('A', 'M')), ['m3'])
        with self.assertRaises(ClientError) as cm:
            query(Key('tournamentId').eq('WINTER2024'))
        self.assertEqual(cm.exception.response['Error']['Message'],
                         'Query condition missed key schema element: region')
        with self.assertRaises(ClientError) as cm:
            query(pk & Key('bracket').eq('UPPER'))
        self.assertEqual(cm.exception.response['Error']['Message'],
                         'Query condition missed key schema element: round')


    def test_warm_throughput(self):
        """WarmThroughput as CloudFormation, CDK and Terraform send it: set
        at creation on the table and a GSI, described with its status,
        raised by UpdateTable (the table's and the index's in one call, as
        the Developer Guide's example does), never lowered."""
        client = self.server.client()
        client.create_table(
            TableName='Warm',
            KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}],
            AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'},
                                  {'AttributeName': 'g', 'AttributeType': 'S'}],
            BillingMode='PAY_PER_REQUEST',
            WarmThroughput={'ReadUnitsPerSecond': 15000, 'WriteUnitsPerSecond': 20000},
            GlobalSecondaryIndexes=[{
                'IndexName': 'byG',
                'KeySchema': [{'AttributeName': 'g', 'KeyType': 'HASH'}],
                'Projection': {'ProjectionType': 'KEYS_ONLY'},
            }],
        )
        wait_active(client, 'Warm')
        table = client.describe_table(TableName='Warm')['Table']
        self.assertEqual(table['WarmThroughput'],
                         {'ReadUnitsPerSecond': 15000, 'WriteUnitsPerSecond': 20000, 'Status': 'ACTIVE'})
        self.assertEqual(table['GlobalSecondaryIndexes'][0]['WarmThroughput'],
                         {'ReadUnitsPerSecond': 12000, 'WriteUnitsPerSecond': 4000, 'Status': 'ACTIVE'})

        client.update_table(
            TableName='Warm',
            WarmThroughput={'ReadUnitsPerSecond': 30000},
            GlobalSecondaryIndexUpdates=[{'Update': {
                'IndexName': 'byG', 'WarmThroughput': {'ReadUnitsPerSecond': 13000, 'WriteUnitsPerSecond': 5000}}}],
        )
        wait_active(client, 'Warm')
        with self.assertRaises(ClientError) as cm:
            client.update_table(TableName='Warm', WarmThroughput={'WriteUnitsPerSecond': 19999})
        err = cm.exception.response['Error']
        self.assertEqual(err['Code'], 'ValidationException')
        self.assertIn('decreasing WarmThroughput is not supported', err['Message'])
        table = client.describe_table(TableName='Warm')['Table']
        self.assertEqual(table['WarmThroughput'],
                         {'ReadUnitsPerSecond': 30000, 'WriteUnitsPerSecond': 20000, 'Status': 'ACTIVE'})
        self.assertEqual(table['GlobalSecondaryIndexes'][0]['WarmThroughput'],
                         {'ReadUnitsPerSecond': 13000, 'WriteUnitsPerSecond': 5000, 'Status': 'ACTIVE'})

    @needs_disk
    def test_warm_throughput_survives_a_restart(self):
        client = self.server.client()
        client.create_table(
            TableName='WarmKept',
            KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}],
            AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}],
            BillingMode='PAY_PER_REQUEST',
            WarmThroughput={'ReadUnitsPerSecond': 14000},
        )
        wait_active(client, 'WarmKept')
        client.update_table(TableName='WarmKept', WarmThroughput={'WriteUnitsPerSecond': 6000})
        self.assertEqual(self.server.stop(), 0, self.server.output())
        self.server.start()
        table = self.server.client().describe_table(TableName='WarmKept')['Table']
        self.assertEqual(table['WarmThroughput'],
                         {'ReadUnitsPerSecond': 14000, 'WriteUnitsPerSecond': 6000, 'Status': 'ACTIVE'})


class IndexCheckCommand(unittest.TestCase):
    """`dynago check` verifies the indexes of a stopped server's data."""

    @needs_disk
    def test_check_after_writes(self):
        import tempfile
        with tempfile.TemporaryDirectory(prefix="dynago-e2e-") as tmp:
            data = os.path.join(tmp, "data")
            server = DynagoProcess(data).start()
            try:
                client = server.client()
                music_table(client)
                for i in range(50):
                    client.put_item(TableName='MusicCollection', Item={
                        'Artist': {'S': 'A%d' % (i % 5)}, 'Song': {'S': 'S%d' % i},
                        'Genre': {'S': 'G%d' % (i % 3)}, 'Year': {'N': str(1950 + i)}})
                for i in range(0, 50, 3):
                    client.delete_item(TableName='MusicCollection',
                                       Key={'Artist': {'S': 'A%d' % (i % 5)}, 'Song': {'S': 'S%d' % i}})
            finally:
                self.assertEqual(server.stop(), 0)
            out = subprocess.run([dynago_bin(), "check", "--data-dir", data], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            self.assertIn("checked 1 tables, 2 indexes", out.stdout)
            self.assertIn("33 items, 66 index entries, 0 divergences", out.stdout)


if __name__ == '__main__':
    unittest.main()
